// The notification of one run transition, as a CloudEvent (spec 1.0), pure: the engine builds one per state change
// and publishes it on the run-events topic (Terraform: google_pubsub_topic.run_events); local mode records the same
// shape. On Pub/Sub the event travels in the binary content mode of the CloudEvents Pub/Sub binding: `data` is the
// message body, every other attribute a `ce-<name>` message attribute. `runId`, `from` and `to` are also plain
// attributes so a subscription can filter (`attributes.to = "FAILED"`) without parsing the body.
import { pinnedDatasetUri, type RunRecord, type RunState } from './run-record';

/** CloudEvents `type` of a run transition. */
export const RUN_EVENT_TYPE = 'dev.vertex-retrain.run.transitioned.v1';

/** What happened: the run moved from `from` (absent for the first state) to `to`. */
export interface RunTransition {
  runId: string;
  from?: RunState;
  to: RunState;
  /** RFC 3339 time of the transition (the ledger's `at`, not the publish time). */
  at: string;
  /** Short machine-readable reason (rejections, failures, a held gate). */
  reason?: string;
  /** Model Registry version the run produced, once it has one. */
  modelVersion?: string;
  /** Anything else worth telling a subscriber (e.g. endpoint, gate metric); must be JSON. */
  details?: Record<string, unknown>;
}

export interface RunEventData {
  runId: string;
  from: RunState | null;
  to: RunState;
  reason?: string;
  modelVersion?: string;
  [key: string]: unknown;
}

/** A structured CloudEvent with JSON data. */
export interface RunCloudEvent {
  specversion: '1.0';
  type: typeof RUN_EVENT_TYPE;
  /** URI-reference naming the deployment that emitted it, e.g. `//vertex-retrain/projects/<p>/locations/<r>`. */
  source: string;
  /** Unique per (source, transition): a republished transition keeps its id, so subscribers can deduplicate. */
  id: string;
  time: string;
  subject: string;
  datacontenttype: 'application/json';
  data: RunEventData;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Builds the CloudEvent of one transition; throws on input a subscriber could not use. */
export function buildRunEvent(source: string, t: RunTransition): RunCloudEvent {
  if (source.trim() === '') throw new Error('run event: source must not be empty');
  if (t.runId.trim() === '') throw new Error('run event: runId must not be empty');
  if (!RFC3339.test(t.at) || Number.isNaN(Date.parse(t.at)))
    throw new Error(`run event: time ${JSON.stringify(t.at)} is not RFC 3339`);
  if (t.from === t.to) throw new Error(`run event: ${t.runId} did not change state (${t.to})`);
  const reserved = ['runId', 'from', 'to', 'reason', 'modelVersion'].filter((k) => t.details && k in t.details);
  if (reserved.length > 0) throw new Error(`run event: details may not set ${reserved.join(', ')}`);
  const time = new Date(t.at).toISOString();
  return {
    specversion: '1.0',
    type: RUN_EVENT_TYPE,
    source,
    id: `${t.runId}:${t.from ?? 'START'}:${t.to}:${time}`,
    time,
    subject: t.runId,
    datacontenttype: 'application/json',
    data: {
      ...(t.details ?? {}),
      runId: t.runId,
      from: t.from ?? null,
      to: t.to,
      ...(t.reason !== undefined ? { reason: t.reason } : {}),
      ...(t.modelVersion !== undefined ? { modelVersion: t.modelVersion } : {}),
    },
  };
}

/** The Pub/Sub message of an event (binary content mode): JSON body and string attributes. */
export function runEventMessage(event: RunCloudEvent): { data: RunEventData; attributes: Record<string, string> } {
  return {
    data: event.data,
    attributes: {
      'ce-specversion': event.specversion,
      'ce-type': event.type,
      'ce-source': event.source,
      'ce-id': event.id,
      'ce-time': event.time,
      'ce-subject': event.subject,
      'content-type': event.datacontenttype,
      runId: event.data.runId,
      ...(event.data.from !== null ? { from: event.data.from } : {}),
      to: event.data.to,
    },
  };
}

/** How many rejection reasons an event carries (the report next to the data has them all). */
const EVENT_REASONS = 3;

/**
 * The transition a ledger write made: the run went from `from` (undefined: the record was created) to the state of
 * `record`, the record as written. Reason and details are what a subscriber needs to act without reading the ledger.
 */
export function transitionOf(from: RunState | undefined, record: RunRecord): RunTransition {
  const to = record.state;
  const details: Record<string, unknown> = {};
  if (record.dataset) details.dataset = pinnedDatasetUri(record.dataset);
  if (record.training?.endpointVersion !== undefined) details.endpointVersion = record.training.endpointVersion;
  let reason: string | undefined;
  if (to === 'REJECTED' && record.rejection) {
    reason = 'DatasetRejected';
    details.reasons = record.rejection.reasons.slice(0, EVENT_REASONS);
    details.problemCount = record.rejection.problemCount;
    if (record.rejection.reportUri) details.reportUri = record.rejection.reportUri;
  }
  if (to === 'FAILED') {
    const error = record.errors.at(-1);
    if (error) {
      reason = error.reason;
      details.message = error.message;
    }
  }
  if ((to === 'HELD' || to === 'DEPLOYING') && record.gate) {
    if (to === 'HELD') reason = 'QualityGateHeld';
    const { metric, candidate, serving, threshold, promote } = record.gate;
    details.gate = { metric, candidate, serving, threshold, promote, reason: record.gate.reason };
  }
  if (to === 'DEPLOYING' && record.override) details.overriddenBy = record.override.by;
  if (to === 'BUILDING' && record.build?.logUrl) details.buildLogUrl = record.build.logUrl;
  if (to === 'DEPLOYED' && record.deploy) {
    if (record.deploy.deployedModelId) details.deployedModelId = record.deploy.deployedModelId;
    if (record.deploy.traffic) details.traffic = record.deploy.traffic;
  }
  const model = record.training?.model;
  if (model) details.model = model.name;
  return {
    runId: record.runId,
    ...(from !== undefined ? { from } : {}),
    to,
    at: record.stages[to] ?? record.updatedAt,
    ...(reason !== undefined ? { reason } : {}),
    ...(model ? { modelVersion: model.versionId } : {}),
    details,
  };
}
