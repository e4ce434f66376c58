// onBuildStatus: a Cloud Build notification from the `cloud-builds` topic → advance the build's run.
import type { CloudEvent } from '@google-cloud/functions-framework';
import { z } from 'zod';
import { buildStatus } from '../engine/runs';
import { runIdFromBuild } from '../pipeline/run-id';
import type { BuildResource } from '../ports';
import { decodePubSub, handleEvent, parseOrThrow } from './event';

/** The Build resource as published (string enums); unknown fields are ignored. */
const BUILD = z.object({
  id: z.string().min(1),
  status: z.string().min(1),
  tags: z.array(z.string()).optional(),
  substitutions: z.record(z.string(), z.string()).optional(),
  logUrl: z.string().optional(),
  statusDetail: z.string().optional(),
  results: z
    .object({ images: z.array(z.object({ name: z.string().optional(), digest: z.string().optional() })).optional() })
    .optional(),
  failureInfo: z.object({ type: z.string().optional(), detail: z.string().optional() }).optional(),
});

/** Decodes a build notification; the `buildId`/`status` attributes fill in for a payload without them. */
export function decodeBuildEvent(ce: CloudEvent<unknown>): { input: BuildResource; time?: string } {
  const { json, attributes, publishTime } = decodePubSub(ce.data);
  const withAttributes = { id: attributes.buildId, status: attributes.status, ...(json as object) };
  const build = parseOrThrow(BUILD, withAttributes, 'Cloud Build notification') as BuildResource;
  return { input: build, ...(publishTime ? { time: publishTime } : {}) };
}

export const onBuildStatus = (ce: CloudEvent<unknown>): Promise<void> =>
  handleEvent('onBuildStatus', ce, decodeBuildEvent, buildStatus, (build) =>
    runIdFromBuild(build.tags, build.substitutions),
  );
