import assert from 'node:assert/strict';
import { assertMatchesProto, ProtoMismatchError, protoProblems } from './proto-schema';
import { protoOptions } from './gcp-proto-roots';

// The checker guards every request the adapters send, so it must provably fail: each row breaks one rule.
const LOCATION = 'projects/p/locations/europe-west1';
const customJobSpec = {
  structValue: {
    fields: {
      workerPoolSpecs: {
        listValue: {
          values: [
            {
              structValue: {
                fields: {
                  machineSpec: { structValue: { fields: { machineType: { stringValue: 'n1-standard-4' } } } },
                  replicaCount: { numberValue: 1 },
                  containerSpec: { structValue: { fields: { imageUri: { stringValue: 'img@sha256:ab' } } } },
                },
              },
            },
          ],
        },
      },
    },
  },
};
const pipeline = (inputs: unknown) => ({
  parent: LOCATION,
  trainingPipeline: {
    displayName: 'run',
    trainingTaskDefinition: 'gs://google-cloud-aiplatform/schema/trainingjob/definition/custom_task_1.0.0.yaml',
    trainingTaskInputs: inputs,
  },
});
const deploy = (deployedModel: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  endpoint: `${LOCATION}/endpoints/123`,
  deployedModel: {
    model: `${LOCATION}/models/m@2`,
    dedicatedResources: { machineSpec: { machineType: 'n1-standard-2' }, minReplicaCount: 1 },
    ...deployedModel,
  },
  trafficSplit: { '0': 100 },
  ...extra,
});
const AI = 'google.cloud.aiplatform.v1';

interface Row {
  what: string;
  pkg: 'aiplatform' | 'cloudbuild' | 'pubsub';
  type: string;
  object: unknown;
  /** Regexes every one of which must match a reported problem; empty = the object must pass. */
  problems: RegExp[];
}

const rows: Row[] = [
  {
    what: 'a correct DeployModelRequest',
    pkg: 'aiplatform',
    type: `${AI}.DeployModelRequest`,
    object: deploy({}),
    problems: [],
  },
  {
    what: 'a correct custom-task TrainingPipeline',
    pkg: 'aiplatform',
    type: `${AI}.CreateTrainingPipelineRequest`,
    object: pipeline(customJobSpec),
    problems: [],
  },
  {
    what: 'a misspelled field',
    pkg: 'aiplatform',
    type: `${AI}.DeployModelRequest`,
    object: deploy({ dispalyName: 'x' }),
    problems: [/\$\.deployedModel\.dispalyName: unknown field \(did you mean "displayName"\?\)/],
  },
  {
    what: 'a snake_case field name',
    pkg: 'aiplatform',
    type: `${AI}.DeployModelRequest`,
    object: deploy({}, { traffic_split: { '0': 100 } }),
    problems: [/\$\.traffic_split: unknown field \(the Node client takes camelCase "trafficSplit"\)/],
  },
  {
    what: 'a bad enum value',
    pkg: 'cloudbuild',
    type: 'google.devtools.cloudbuild.v1.CreateBuildRequest',
    object: { projectId: 'p', build: { options: { logging: 'CLOUD_LOGGING' } } },
    problems: [/\$\.build\.options\.logging: "CLOUD_LOGGING" is not a value of enum/],
  },
  {
    what: 'an enum given as a number that the enum lacks',
    pkg: 'cloudbuild',
    type: 'google.devtools.cloudbuild.v1.CreateBuildRequest',
    object: { projectId: 'p', build: { options: { logging: 99 } } },
    problems: [/logging: number 99 is not a value of enum/],
  },
  {
    what: 'a missing required field (REQUIRED lost in protos.json: Topic.name is REQUIRED + IDENTIFIER)',
    pkg: 'pubsub',
    type: 'google.pubsub.v1.Topic',
    object: { labels: { a: 'b' } },
    problems: [/\$\.name: required field of google\.pubsub\.v1\.Topic is missing/],
  },
  {
    what: 'a required scalar left at its proto3 default',
    pkg: 'aiplatform',
    type: `${AI}.DeployModelRequest`,
    object: deploy({ dedicatedResources: { machineSpec: { machineType: 'n1-standard-2' }, minReplicaCount: 0 } }),
    problems: [/minReplicaCount: required field/],
  },
  {
    what: 'a wrong scalar type (string for int32 in a map)',
    pkg: 'aiplatform',
    type: `${AI}.DeployModelRequest`,
    object: deploy({}, { trafficSplit: { '0': '100' } }),
    problems: [/\$\.trafficSplit\["0"\]: expected a int32 integer, got string "100"/],
  },
  {
    what: 'a Duration given as its JSON string to the Node client',
    pkg: 'cloudbuild',
    type: 'google.devtools.cloudbuild.v1.CreateBuildRequest',
    object: { projectId: 'p', build: { timeout: '3600s' } },
    problems: [/\$\.build\.timeout: expected a google\.protobuf\.Duration message object/],
  },
  {
    what: 'two members of a oneof',
    pkg: 'cloudbuild',
    type: 'google.devtools.cloudbuild.v1.CreateBuildRequest',
    object: {
      projectId: 'p',
      build: { source: { storageSource: { bucket: 'b', object: 'o' }, gitSource: { url: 'u' } } },
    },
    problems: [/\$\.build\.source: oneof source has 2 members set/],
  },
  {
    what: 'an output-only field sent',
    pkg: 'cloudbuild',
    type: 'google.devtools.cloudbuild.v1.CreateBuildRequest',
    object: { projectId: 'p', build: { id: 'abc' } },
    problems: [/\$\.build\.id: output-only field/],
  },
  {
    what: 'a resource name that fits no pattern',
    pkg: 'aiplatform',
    type: `${AI}.DeployModelRequest`,
    object: deploy({}, { endpoint: 'endpoints/123' }),
    problems: [/\$\.endpoint: "endpoints\/123" matches no resource pattern/],
  },
  {
    what: 'a repeated field given a single value',
    pkg: 'pubsub',
    type: 'google.pubsub.v1.PublishRequest',
    object: { topic: 'projects/p/topics/t', messages: { data: Buffer.from('x') } },
    problems: [/\$\.messages: expected an array/],
  },
  {
    what: 'an unknown field inside the CustomJobSpec carried by a Value',
    pkg: 'aiplatform',
    type: `${AI}.CreateTrainingPipelineRequest`,
    object: pipeline({
      structValue: { fields: { ...customJobSpec.structValue.fields, baseOutputDir: { stringValue: 'gs://b' } } },
    }),
    problems: [/trainingTaskInputs<google\.cloud\.aiplatform\.v1\.CustomJobSpec>\.baseOutputDir: unknown field/],
  },
  {
    what: 'a CustomJobSpec inside a Value missing its required worker pools',
    pkg: 'aiplatform',
    type: `${AI}.CreateTrainingPipelineRequest`,
    object: pipeline({ structValue: { fields: {} } }),
    problems: [/trainingTaskInputs<google\.cloud\.aiplatform\.v1\.CustomJobSpec>\.workerPoolSpecs: required field/],
  },
  {
    what: 'raw JSON where the client needs a google.protobuf.Value',
    pkg: 'aiplatform',
    type: `${AI}.CreateTrainingPipelineRequest`,
    object: pipeline({ workerPoolSpecs: [] }),
    problems: [/trainingTaskInputs\.workerPoolSpecs: unknown field in google\.protobuf\.Value/],
  },
  {
    what: 'a correct traffic-split update (REQUIRED Endpoint.displayName not masked; name identifies)',
    pkg: 'aiplatform',
    type: `${AI}.UpdateEndpointRequest`,
    object: {
      endpoint: { name: `${LOCATION}/endpoints/1`, trafficSplit: { '1': 100 } },
      updateMask: { paths: ['traffic_split'] },
    },
    problems: [],
  },
  {
    what: 'a camelCase FieldMask path',
    pkg: 'aiplatform',
    type: `${AI}.UpdateEndpointRequest`,
    object: {
      endpoint: { name: `${LOCATION}/endpoints/1`, trafficSplit: { '1': 100 } },
      updateMask: { paths: ['trafficSplit'] },
    },
    problems: [/\$\.updateMask\.paths\[0\]: "trafficSplit" is not a field path .*\(mask paths are snake_case\)/],
  },
  {
    what: 'a masked REQUIRED field left out of an update',
    pkg: 'aiplatform',
    type: `${AI}.UpdateEndpointRequest`,
    object: { endpoint: { name: `${LOCATION}/endpoints/1` }, updateMask: { paths: ['display_name'] } },
    problems: [/\$\.endpoint\.displayName: required field/],
  },
];

describe('assertMatchesProto (the proto-strict request checker)', () => {
  for (const row of rows) {
    it(`${row.problems.length ? 'fails' : 'passes'} on ${row.what}`, () => {
      const problems = protoProblems(row.type, row.object, protoOptions(row.pkg));
      if (row.problems.length === 0) return assert.deepEqual(problems, []);
      for (const expected of row.problems) {
        assert.ok(
          problems.some((p) => expected.test(p)),
          `expected a problem matching ${expected}, got:\n${problems.join('\n')}`,
        );
      }
    });
  }

  it('throws a ProtoMismatchError naming the type and every problem path', () => {
    const bad = deploy({ dispalyName: 'x' }, { trafficSplit: { '0': 'all' } });
    assert.throws(
      () => assertMatchesProto(`${AI}.DeployModelRequest`, bad, protoOptions('aiplatform')),
      (err: unknown) =>
        err instanceof ProtoMismatchError &&
        err.problems.length === 2 &&
        /DeployModelRequest/.test(err.message) &&
        /\$\.deployedModel\.dispalyName/.test(err.message) &&
        /\$\.trafficSplit\["0"\]/.test(err.message),
    );
  });

  it('rejects a message given where an object is expected', () => {
    assert.deepEqual(protoProblems('google.pubsub.v1.PublishRequest', 'topic', protoOptions('pubsub')), [
      '$: expected a google.pubsub.v1.PublishRequest message object, got "topic"',
    ]);
  });
});
