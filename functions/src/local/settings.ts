// The settings the local twins need: the names the functions' configuration uses (same field names as
// config.ts's Config, so a Config can be passed as is), plus where the local stack lives.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseConfig, pickConfig, type Config } from '../config';

/** The part of the functions' Config the twins read. */
const CLOUD_NAME_KEYS = [
  'projectId',
  'region',
  'dataBucket',
  'datasetPrefix',
  'scoringPrefix',
  'artifactsBucket',
  'imageRepository',
  'imageName',
  'trainingEventsTopic',
  'endpointId',
  'modelId',
] as const;
export type CloudNames = Pick<Config, (typeof CLOUD_NAME_KEYS)[number]>;

/** The local stand-ins: what the functions' own configuration is in local mode (config.ts LOCAL_DEFAULTS). */
export const LOCAL_NAMES: CloudNames = pickConfig(parseConfig({}), CLOUD_NAME_KEYS);

/** Topics that are not configuration: Cloud Build's fixed topic and the reconcile tick's (Cloud Scheduler's). */
export const CLOUD_BUILDS_TOPIC = 'cloud-builds';
export const RECONCILE_TOPIC = 'reconcile-tick';

/** The bucket where the twins keep their own state (builds, training jobs, models, endpoint, operations). */
export const TWIN_STATE_BUCKET = 'local-cloud';

/** Environment variables that tell a function process where the local stack is. */
export const LOCAL_DIR_ENV = 'RETRAIN_LOCAL_DIR';
export const LOCAL_CONTROL_URL_ENV = 'RETRAIN_LOCAL_CONTROL_URL';

/** The repository root (package.json named vertex-retrain), from this file's location in sources or dist. */
export function projectRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'vertex-retrain') {
      return dir;
    }
    if (dirname(dir) === dir) throw new Error(`no vertex-retrain package.json above ${from}`);
  }
}

/** `projects/<p>/locations/<r>` */
export function parentName(names: CloudNames): string {
  return `projects/${names.projectId}/locations/${names.region}`;
}
