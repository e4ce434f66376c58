// onDatasetFinalized: google.cloud.storage.object.v1.finalized → ensure the drop's run, advance it.
import type { CloudEvent } from '@google-cloud/functions-framework';
import { z } from 'zod';
import { datasetFinalized, type FinalizedObject } from '../engine/runs';
import { handleEvent, parseOrThrow } from './event';

/** int64 fields arrive as JSON strings (proto3 JSON mapping); numbers are accepted too. */
const INT64 = z.union([z.string().regex(/^\d+$/, 'not an int64'), z.number().int().nonnegative()]).transform(String);

const STORAGE_OBJECT = z.object({
  bucket: z.string().min(1),
  name: z.string().min(1),
  generation: INT64,
  size: INT64.transform(Number),
  md5Hash: z.string().optional(),
});

/** Decodes StorageObjectData. */
export function decodeStorageEvent(ce: CloudEvent<unknown>): { input: FinalizedObject; time?: string } {
  const o = parseOrThrow(STORAGE_OBJECT, ce.data, 'storage object event');
  const input: FinalizedObject = { bucket: o.bucket, name: o.name, generation: o.generation, size: o.size };
  if (o.md5Hash) input.md5Hash = o.md5Hash;
  return { input, ...(ce.time ? { time: ce.time } : {}) };
}

export const onDatasetFinalized = (ce: CloudEvent<unknown>): Promise<void> =>
  handleEvent('onDatasetFinalized', ce, decodeStorageEvent, datasetFinalized);
