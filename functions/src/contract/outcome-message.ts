// The training outcome message on the training-events topic, v1: one home for the trainer's twin, the training
// twin, the reconciler and the handler. The message is a hint; the function re-reads the training from the API.
import outcomeSchema from './schemas/outcome.schema.json';
import { check, ContractError, newAjv } from './ajv';

export const OUTCOME_CONTRACT = 'vertex-retrain.outcome/v1';
export const OUTCOME_STATUSES = ['SUCCEEDED', 'REJECTED', 'FAILED'] as const;
export type OutcomeStatus = (typeof OUTCOME_STATUSES)[number];

export interface OutcomeMessage {
  contract: typeof OUTCOME_CONTRACT;
  runId: string;
  status: OutcomeStatus;
  endpointVersion?: number;
  message?: string;
}

/** What Pub/Sub carries: the JSON body and the `runId` attribute (for filtering and logs without parsing). */
export interface OutcomeEnvelope {
  json: OutcomeMessage;
  attributes: { runId: string };
}

/** The longest `message` kept: a reason, not a log. */
export const MAX_OUTCOME_TEXT = 2000;

const validate = newAjv().compile(outcomeSchema);

/** Builds a valid message (the `message` text is cut to MAX_OUTCOME_TEXT) and its envelope. */
export function outcomeMessage(fields: {
  runId: string;
  status: OutcomeStatus;
  endpointVersion?: number;
  message?: string;
}): OutcomeEnvelope {
  const json: OutcomeMessage = {
    contract: OUTCOME_CONTRACT,
    runId: fields.runId,
    status: fields.status,
    ...(fields.endpointVersion === undefined ? {} : { endpointVersion: fields.endpointVersion }),
    ...(fields.message === undefined
      ? {}
      : {
          message:
            fields.message.length > MAX_OUTCOME_TEXT
              ? `${fields.message.slice(0, MAX_OUTCOME_TEXT - 3)}...`
              : fields.message,
        }),
  };
  return { json: check<OutcomeMessage>(validate, json, 'outcome message'), attributes: { runId: json.runId } };
}

/** Parses a message body (Buffer, text or parsed JSON). Throws ContractError naming the bad field. */
export function parseOutcomeMessage(data: unknown): OutcomeMessage {
  let value = data;
  if (Buffer.isBuffer(data) || typeof data === 'string') {
    try {
      value = JSON.parse(data.toString());
    } catch (error) {
      throw new ContractError('outcome message', [`not valid JSON: ${(error as Error).message}`]);
    }
  }
  return check<OutcomeMessage>(validate, value, 'outcome message');
}
