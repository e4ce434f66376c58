// The bridge from the functions' validated configuration to the Google Cloud adapters' settings.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pickConfig, type VertexConfig } from '../config';
import { loadManifestSync } from '../contract/manifest';
import { GCP_CONFIG_KEYS, type GcpSettings } from './settings';

/**
 * The repository's cloudbuild.yaml, found from this file upwards: the function's deployed source keeps it at the
 * package root next to package.json (terraform/sources.tf), and the working directory is not that root everywhere.
 */
export function findCloudbuildYaml(from: string = __dirname): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'cloudbuild.yaml'))) {
      return join(dir, 'cloudbuild.yaml');
    }
  }
  throw new Error(`cloudbuild.yaml not found next to package.json above ${from}`);
}

/** The vertex configuration carries every cloud value (parseConfig has refused it otherwise, naming the variable); the
 * trainer's commands come from its manifest in TRAINER_DIR. */
export function gcpSettingsFromConfig(config: VertexConfig, cloudbuildYamlPath = findCloudbuildYaml()): GcpSettings {
  const { manifest } = loadManifestSync(config.trainerDir);
  return {
    ...pickConfig(config, GCP_CONFIG_KEYS),
    cloudbuildYamlPath,
    trainer: { ...(manifest.train ? { train: manifest.train } : {}), serve: manifest.serve },
  };
}
