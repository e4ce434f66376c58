// Loads the Google APIs' `.proto` sources that ship inside the client packages (with google-gax's common protos)
// into protobufjs Roots for proto-schema.ts. The `.proto` files, not protos.json: the JSON keeps only the last
// field_behavior of a field and so loses REQUIRED where a field has two behaviours.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';
import type { ValueSchema } from './proto-schema';

export type ProtoPackage = 'aiplatform' | 'cloudbuild' | 'pubsub';

const ENTRY_FILES: Record<ProtoPackage, string[]> = {
  aiplatform: [
    'google/cloud/aiplatform/v1/pipeline_service.proto',
    'google/cloud/aiplatform/v1/endpoint_service.proto',
    'google/cloud/aiplatform/v1/model_service.proto',
    'google/cloud/aiplatform/v1/custom_job.proto',
  ],
  cloudbuild: ['google/devtools/cloudbuild/v1/cloudbuild.proto'],
  pubsub: ['google/pubsub/v1/pubsub.proto'],
};

/** The package directory of an installed module (walks up from its main file to its package.json). */
function packageDir(name: string, from?: string): string {
  let dir = dirname(require.resolve(name, from ? { paths: [from] } : undefined));
  while (!existsSync(join(dir, 'package.json')) || !dir.endsWith(name.split('/').pop()!)) dir = dirname(dir);
  return dir;
}

const roots = new Map<ProtoPackage, protobuf.Root>();

/** The (cached) Root of one client package's API, loaded from its `.proto` sources with field names kept snake_case. */
export function protoRoot(pkg: ProtoPackage): protobuf.Root {
  const cached = roots.get(pkg);
  if (cached) return cached;
  const clientDir = packageDir(`@google-cloud/${pkg}`);
  const searchDirs = [join(clientDir, 'build/protos'), join(packageDir('google-gax', clientDir), 'build/protos')];
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => searchDirs.map((d) => join(d, target)).find((p) => existsSync(p)) ?? target;
  root.loadSync(ENTRY_FILES[pkg], { keepCase: true });
  root.resolveAll();
  roots.set(pkg, root);
  return root;
}

/** JSON inside google.protobuf.Value fields whose schema we know. */
export const KNOWN_VALUE_SCHEMAS: ValueSchema[] = [
  {
    // A custom-task TrainingPipeline carries a CustomJobSpec as its training task inputs.
    field: 'google.cloud.aiplatform.v1.TrainingPipeline.training_task_inputs',
    type: 'google.cloud.aiplatform.v1.CustomJobSpec',
    when: (pipeline) => String(pipeline.trainingTaskDefinition ?? '').endsWith('/custom_task_1.0.0.yaml'),
  },
];

/** Options for assertMatchesProto against one package's API. */
export const protoOptions = (pkg: ProtoPackage) => ({ protoRoot: protoRoot(pkg), valueSchemas: KNOWN_VALUE_SCHEMAS });
