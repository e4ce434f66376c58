// onTrainingStatus: {runId, trainingName?} on the training-events topic → advance the run.
import type { CloudEvent } from '@google-cloud/functions-framework';
import { z } from 'zod';
import { isRunId } from '../pipeline/run-id';
import { trainingStatus, type TrainingNotice } from '../engine/runs';
import { decodePubSub, handleEvent, parseOrThrow } from './event';

const NOTICE = z.object({
  runId: z.string().refine(isRunId, 'not a run id'),
  trainingName: z.string().min(1).optional(),
});

/** Decodes a training outcome message. */
export function decodeTrainingEvent(ce: CloudEvent<unknown>): { input: TrainingNotice; time?: string } {
  const { json, publishTime } = decodePubSub(ce.data);
  const notice = parseOrThrow(NOTICE, json, 'training event');
  const input: TrainingNotice = { runId: notice.runId };
  if (notice.trainingName) input.trainingName = notice.trainingName;
  return { input, ...(publishTime ? { time: publishTime } : {}) };
}

export const onTrainingStatus = (ce: CloudEvent<unknown>): Promise<void> =>
  handleEvent('onTrainingStatus', ce, decodeTrainingEvent, trainingStatus);
