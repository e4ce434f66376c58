// Settings for the Google Cloud adapter tests (values shaped like a real deployment's).
import assert from 'node:assert/strict';
import { parseConfig, type VertexConfig } from '../../functions/src/config';
import type { GcpSettings } from '../../functions/src/gcp/settings';

/** parseConfig(env) for an environment that must be a vertex one (RETRAIN_ENV=vertex). */
export function parseVertexConfig(env: Record<string, string | undefined>): VertexConfig {
  const config = parseConfig(env);
  assert.ok(config.env === 'vertex', `RETRAIN_ENV is ${config.env}, not vertex`);
  return config;
}

export const testSettings = (over: Partial<GcpSettings> = {}): GcpSettings => ({
  projectId: 'test-project',
  region: 'europe-west1',
  dataBucket: 'test-project-data',
  artifactsBucket: 'test-project-artifacts',
  imageRepository: 'europe-west1-docker.pkg.dev/test-project/vertex-retrain',
  imageName: 'trainer',
  trainerSourceUri: 'gs://test-project-artifacts/source/trainer.tar.gz',
  trainingEventsTopic: 'training-events',
  runEventsTopic: 'vr-run-events',
  endpointId: '1234567890',
  modelId: 'titanic',
  servingMachineType: 'n1-standard-2',
  trainingServiceAccount: 'trainer@test-project.iam.gserviceaccount.com',
  servingServiceAccount: 'serving@test-project.iam.gserviceaccount.com',
  buildServiceAccount: 'builder@test-project.iam.gserviceaccount.com',
  cloudbuildYamlPath: 'test/fixtures/cloudbuild.yaml',
  trainer: {
    train: { command: [], args: [] },
    serve: {
      command: ['node', 'dist/trainer/src/serve.js'],
      args: [],
      port: 8080,
      predictRoute: '/predict',
      healthRoute: '/health',
    },
  },
  ...over,
});
