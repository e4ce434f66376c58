// Tells the pipeline that training ended, as the last thing the trainer does on Vertex AI. Vertex publishes no
// completion event for custom training, so the trainer publishes {runId, status} to the training-events topic
// (TRAINING_EVENTS_TOPIC, set in the job's container env). The notice is only a hint that makes the pipeline react
// in seconds: onTrainingStatus re-reads the training pipeline from the API, and the scheduled reconciler finds
// runs whose trainer crashed before it could publish. So a failed publish is logged, never fatal.
import type { PubSub } from '@google-cloud/pubsub';

export interface TrainingNotice {
  runId: string;
  /** What the trainer saw; the function trusts the API's state, not this. */
  status: 'SUCCEEDED' | 'REJECTED' | 'FAILED';
  endpointVersion?: number;
}

export type Publish = (topic: string, notice: TrainingNotice) => Promise<void>;

/** Publishes through @google-cloud/pubsub, loaded only here: local runs and the server never load it. */
export const publishWithPubSub: Publish = async (topic, notice) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PubSub: Client } = require('@google-cloud/pubsub') as { PubSub: new () => PubSub };
  await new Client().topic(topic).publishMessage({ json: notice, attributes: { runId: notice.runId } });
};

/**
 * Publishes the notice when running on Vertex with a topic and a run id; otherwise does nothing.
 * Resolves to what happened, for the log line and the tests.
 */
export async function sendTrainingNotice(
  notice: Partial<TrainingNotice> & Pick<TrainingNotice, 'status'>,
  env: 'local' | 'vertex',
  vars: NodeJS.ProcessEnv = process.env,
  publish: Publish = publishWithPubSub,
): Promise<'sent' | 'skipped' | 'failed'> {
  const topic = vars.TRAINING_EVENTS_TOPIC;
  if (env !== 'vertex' || !topic || !notice.runId) return 'skipped';
  try {
    await publish(topic, { ...notice, runId: notice.runId });
    return 'sent';
  } catch (error) {
    console.error(`training notice not published (the reconciler will catch up): ${(error as Error).message}`);
    return 'failed';
  }
}
