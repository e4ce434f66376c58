// Tells the pipeline that training ended, as the last thing the trainer does on Vertex AI. Vertex publishes no
// completion event for custom training, so the trainer publishes the outcome message v1 (docs/trainer-contract.md,
// "Outcome message") to the training-events topic (TRAINING_EVENTS_TOPIC, set in the job's container env), with the
// attributes {runId}. The message is only a hint that makes the pipeline react in seconds: onTrainingStatus re-reads
// the training pipeline from the API, and the scheduled reconciler finds runs whose trainer crashed before it could
// publish. So a failed publish is logged, never fatal. The trainer never imports functions/: this module follows
// the contract document, and a test checks what it builds against the contract's schema.
import type { PubSub } from '@google-cloud/pubsub';

export const OUTCOME_CONTRACT = 'vertex-retrain.outcome/v1';

export type OutcomeStatus = 'SUCCEEDED' | 'REJECTED' | 'FAILED';

/** The outcome message v1, as published. */
export interface OutcomeMessage {
  contract: typeof OUTCOME_CONTRACT;
  runId: string;
  /** What the trainer saw; the function trusts the API's state, not this. */
  status: OutcomeStatus;
  endpointVersion?: number;
  /** A short reason (the first dataset problem, the error), at most MAX_MESSAGE characters. */
  message?: string;
}

/** The contract allows 2,000 characters; a hint needs far fewer. */
export const MAX_MESSAGE = 500;

/** Builds the message: fields in contract order, absent ones left out, the reason cut to MAX_MESSAGE. */
export function outcomeMessage(outcome: {
  runId: string;
  status: OutcomeStatus;
  endpointVersion?: number;
  message?: string;
}): OutcomeMessage {
  const { runId, status, endpointVersion, message } = outcome;
  const text = message?.trim();
  return {
    contract: OUTCOME_CONTRACT,
    runId,
    status,
    ...(endpointVersion !== undefined ? { endpointVersion } : {}),
    ...(text ? { message: text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 3)}...` : text } : {}),
  };
}

export type Publish = (topic: string, message: OutcomeMessage) => Promise<void>;

/** Publishes through @google-cloud/pubsub, loaded only here: local runs and the server never load it. */
export const publishWithPubSub: Publish = async (topic, message) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PubSub: Client } = require('@google-cloud/pubsub') as { PubSub: new () => PubSub };
  await new Client().topic(topic).publishMessage({ json: message, attributes: { runId: message.runId } });
};

/**
 * Publishes the outcome message when running on Vertex with a topic and a run id; otherwise does nothing.
 * Resolves to what happened, for the log line and the tests.
 */
export async function sendOutcome(
  outcome: { runId?: string; status: OutcomeStatus; endpointVersion?: number; message?: string },
  env: 'local' | 'vertex',
  vars: NodeJS.ProcessEnv = process.env,
  publish: Publish = publishWithPubSub,
): Promise<'sent' | 'skipped' | 'failed'> {
  const topic = vars.TRAINING_EVENTS_TOPIC;
  const { runId } = outcome;
  if (env !== 'vertex' || !topic || !runId) return 'skipped';
  try {
    await publish(topic, outcomeMessage({ ...outcome, runId }));
    return 'sent';
  } catch (error) {
    console.error(`outcome message not published (the reconciler will catch up): ${(error as Error).message}`);
    return 'failed';
  }
}
