// Terraform's functions against the functions' entry module: every entry point is registered with the signature its
// trigger delivers, each handler decodes the event its Eventarc trigger sends, and the topics are the ones the code
// (and the local twin of Eventarc) uses.
import assert from 'node:assert/strict';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { getFunction } from '@google-cloud/functions-framework/testing';
import { functionTriggers } from '../../functions/src/local/stack';
import { LOCAL_NAMES } from '../../functions/src/local/settings';
import { runIdForDataset } from '../../functions/src/pipeline/run-id';
import { decodeBuildEvent } from '../../functions/src/handlers/on-build-status';
import { decodeStorageEvent } from '../../functions/src/handlers/on-dataset-finalized';
import { decodeTick } from '../../functions/src/handlers/on-reconcile-tick';
import { decodeTrainingEvent } from '../../functions/src/handlers/on-training-status';
import * as handlers from '../../functions/src/handlers/on-build-status';
import { entryPointProblems, functionRegistry, type FunctionSpec, type Registration } from './crosscheck';
import { TerraformConfig } from './terraform-config';
import { evaluateStringMap } from './terraform-eval';
import { SAMPLE } from './sample-deployment';
import { parseVertexConfig } from '../support/gcp-settings';
import { notADataset } from '../../functions/src/engine/runs';

const STORAGE_FINALIZED = 'google.cloud.storage.object.v1.finalized';
const PUBSUB_PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';
const PUBLISH_TIME = '2026-11-26T10:00:00.000Z';
const CE_TIME = '2026-11-26T09:59:59.000Z';

/** The event each trigger type delivers (data shaped as Eventarc sends it), carrying `payload` when Pub/Sub. */
function sampleEvent(eventType: string, payload: unknown): CloudEvent<unknown> {
  const base = { specversion: '1.0', id: 'e-1', source: '//test', type: eventType, time: CE_TIME };
  if (eventType === STORAGE_FINALIZED) {
    return {
      ...base,
      data: { bucket: 'b', name: 'datasets/train.csv', generation: '1764150000000000', size: '61194' },
    };
  }
  const data = Buffer.from(JSON.stringify(payload ?? {})).toString('base64');
  return { ...base, data: { message: { data, attributes: {}, messageId: '1', publishTime: PUBLISH_TIME } } };
}

/** What each topic carries: a Cloud Build notification, the trainer's outcome notice, a scheduler tick. */
const runId = runIdForDataset('b', 'datasets/train.csv', '1764150000000000');
const PAYLOADS: Record<string, unknown> = {
  onBuildStatus: { id: 'b-1', status: 'SUCCESS', tags: ['vertex-retrain'] },
  onTrainingStatus: { runId, status: 'SUCCEEDED' },
  onReconcileTick: { at: PUBLISH_TIME },
};

/** Each entry point's decoder (exported next to its handler). */
const DECODERS: Record<string, (ce: CloudEvent<unknown>) => { time?: string }> = {
  onDatasetFinalized: decodeStorageEvent,
  onBuildStatus: decodeBuildEvent,
  onTrainingStatus: decodeTrainingEvent,
  onReconcileTick: decodeTick,
};

describe('cross-check: Terraform functions ↔ the entry module', () => {
  let specs: Record<string, FunctionSpec>;
  let registry: (name: string) => Registration | undefined;

  before(async () => {
    specs = (await TerraformConfig.load()).local('functions') as Record<string, FunctionSpec>;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('../../functions/src/index');
    registry = functionRegistry();
  });

  it('every entry point in local.functions is registered, as a CloudEvent function', () => {
    assert.deepEqual(entryPointProblems(specs, registry), []);
    const deployed = Object.values(specs).map((s) => `${s.entry_point}: ${registry(s.entry_point)?.signatureType}`);
    assert.deepEqual(deployed.sort(), [
      'onBuildStatus: cloudevent',
      'onDatasetFinalized: cloudevent',
      'onReconcileTick: cloudevent',
      'onTrainingStatus: cloudevent',
    ]);
  });

  it('the registry read here is the one getFunction (functions-framework/testing) reads', () => {
    for (const s of Object.values(specs))
      assert.equal(registry(s.entry_point)?.userFunction, getFunction(s.entry_point));
    assert.equal(registry('onBuildStatus')?.userFunction, handlers.onBuildStatus);
  });

  for (const [entryPoint, decode] of Object.entries(DECODERS)) {
    it(`${entryPoint} decodes the event its Terraform trigger delivers, and only that kind`, () => {
      const spec = Object.values(specs).find((s) => s.entry_point === entryPoint);
      assert.ok(spec, `${entryPoint} is not deployed by Terraform`);
      const other = spec.event_type === STORAGE_FINALIZED ? PUBSUB_PUBLISHED : STORAGE_FINALIZED;
      const own = decode(sampleEvent(spec.event_type, PAYLOADS[entryPoint]));
      // The event time a handler uses is the one its event type carries: publishTime for Pub/Sub, ce.time otherwise.
      assert.equal(own.time, spec.event_type === PUBSUB_PUBLISHED ? PUBLISH_TIME : CE_TIME);
      let foreign: { time?: string } | undefined;
      try {
        foreign = decode(sampleEvent(other, PAYLOADS[entryPoint]));
      } catch (err) {
        assert.equal((err as Error).name, 'MalformedEventError');
      }
      // A decoder that accepts anything (the tick) must at least not read a foreign event as its own.
      if (foreign !== undefined) assert.notEqual(foreign.time, own.time, `${entryPoint} reads ${other} as its own`);
    });
  }

  it('the topics are the ones the code and its local twin use (cloud-builds fixed; training events from config)', async () => {
    const config = await TerraformConfig.load();
    const topicOf = (entry: string) => Object.values(specs).find((s) => s.entry_point === entry)?.pubsub_topic;
    assert.equal(topicOf('onBuildStatus'), '${google_pubsub_topic.cloud_builds.id}');
    const local = Object.fromEntries(functionTriggers(LOCAL_NAMES).map((t) => [t.target, t]));
    assert.equal(config.resource('google_pubsub_topic.cloud_builds').body.name, local.onBuildStatus?.topic);
    // Same trigger kinds as Terraform, function by function.
    for (const s of Object.values(specs)) assert.equal(local[s.entry_point]?.eventType, s.event_type, s.entry_point);
    assert.equal(Object.keys(local).length, Object.keys(specs).length);
    // The training-events topic the function listens on is the one TRAINING_EVENTS_TOPIC names for the trainer.
    const env = config.local('function_environment') as Record<string, string>;
    assert.equal(topicOf('onTrainingStatus'), '${google_pubsub_topic.training_events.id}');
    assert.equal(env.TRAINING_EVENTS_TOPIC, '${google_pubsub_topic.training_events.name}');
    // Every function publishes its runs' transitions on the run-events topic Terraform creates.
    assert.equal(env.RUN_EVENTS_TOPIC, '${google_pubsub_topic.run_events.name}');
    assert.equal(env.DATA_BUCKET, '${google_storage_bucket.data.name}');
    assert.equal(Object.values(specs).find((s) => s.event_type === STORAGE_FINALIZED)?.bucket, env.DATA_BUCKET);
  });

  it('the one storage trigger covers the scoring prefix too: the function tells the two kinds of drop apart', async () => {
    const config = await TerraformConfig.load();
    // The trigger filters on the bucket only (Eventarc storage triggers take no prefix), so score/ objects reach
    // onDatasetFinalized; SCORING_PREFIX and DATASET_PREFIX, from the same environment, sort them.
    const fn = config.resource('google_cloudfunctions2_function.fn').body;
    const trigger = JSON.stringify(fn.event_trigger);
    assert.match(trigger, /"attribute":"bucket"/);
    assert.doesNotMatch(trigger, /objectNamePrefix|name/i);
    const env = evaluateStringMap(config, 'function_environment', SAMPLE);
    assert.equal(env.SCORING_PREFIX, 'score/');
    const c = parseVertexConfig(env);
    const at = (name: string) => notADataset(c, { bucket: c.dataBucket, name, generation: '1', size: 10 });
    assert.equal(at(`${c.datasetPrefix}train.csv`), undefined);
    assert.equal(at(`${c.scoringPrefix}test.csv`), undefined);
    assert.match(at(`${c.scoringPrefix}test.predictions.csv`) ?? '', /predictions file/);
    assert.match(at('elsewhere/test.csv') ?? '', /outside the watched prefixes/);
  });
});

describe('cross-check: the entry-point check itself', () => {
  const registered: Record<string, Registration> = {
    onA: { signatureType: 'cloudevent', userFunction: () => undefined },
    onHttp: { signatureType: 'http', userFunction: () => undefined },
  };
  const lookup = (name: string) => registered[name];
  const spec = (entry_point: string, event_type = PUBSUB_PUBLISHED): FunctionSpec => ({
    entry_point,
    event_type,
    pubsub_topic: event_type === PUBSUB_PUBLISHED ? '${t.id}' : null,
  });
  const cases: [string, Record<string, FunctionSpec>, RegExp | null][] = [
    ['a registered CloudEvent entry point', { a: spec('onA') }, null],
    ['a misspelled entry point', { a: spec('onAA') }, /a: entry point onAA is not registered/],
    [
      'an HTTP function behind an event trigger',
      { h: spec('onHttp') },
      /registered as http, its trigger needs cloudevent/,
    ],
    ['an unknown event type', { a: spec('onA', 'google.cloud.x.v1.y') }, /has no known signature/],
    [
      'a Pub/Sub trigger without a topic',
      { a: { ...spec('onA'), pubsub_topic: null } },
      /messagePublished with pubsub_topic null/,
    ],
  ];
  for (const [name, specs, problem] of cases) {
    it(`${problem ? 'reports' : 'accepts'} ${name}`, () => {
      const problems = entryPointProblems(specs, lookup);
      if (problem === null) assert.deepEqual(problems, []);
      else
        assert.ok(
          problems.some((p) => problem.test(p)),
          problems.join('\n'),
        );
    });
  }
});
