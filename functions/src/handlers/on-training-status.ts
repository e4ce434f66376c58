// onTrainingStatus: the trainer's outcome message (contract/outcome-message.ts, v1) on the training-events topic →
// advance the run. The message is a hint: the engine re-reads the training from the API and trusts that.
import type { CloudEvent } from '@google-cloud/functions-framework';
import { z } from 'zod';
import { parseOutcomeMessage } from '../contract/outcome-message';
import { isRunId } from '../pipeline/run-id';
import { trainingStatus, type TrainingNotice } from '../engine/runs';
import { decodePubSub, handleEvent, MalformedEventError } from './event';

const RUN_ID = z.string().refine(isRunId, 'not a run id');

/**
 * The unversioned shapes published before v1 (`{runId, trainingName}`, `{runId, status}`): during the switch-over they
 * still say "go and look at this run"; nothing else of them is read.
 */
const FORMER = z.looseObject({ runId: RUN_ID, contract: z.undefined().optional() });

/** The run a training outcome message names. Throws MalformedEventError naming the bad field. */
function runOf(json: unknown): string {
  let problem: string;
  try {
    const message = parseOutcomeMessage(json);
    if (isRunId(message.runId)) return message.runId;
    problem = `runId: not a run id`;
  } catch (err) {
    problem = (err as Error).message;
  }
  const former = FORMER.safeParse(json);
  if (former.success) return former.data.runId;
  throw new MalformedEventError(`training event: ${problem}`);
}

/** Decodes a training outcome message. */
export function decodeTrainingEvent(ce: CloudEvent<unknown>): { input: TrainingNotice; time?: string } {
  const { json, publishTime } = decodePubSub(ce.data);
  return { input: { runId: runOf(json) }, ...(publishTime ? { time: publishTime } : {}) };
}

export const onTrainingStatus = (ce: CloudEvent<unknown>): Promise<void> =>
  handleEvent('onTrainingStatus', ce, decodeTrainingEvent, trainingStatus, (notice) => notice.runId);
