// Placeholder until the model module lands: the real implementation parses the versioned model artifact.
import type { Predictor } from './predictor';

export const ARTIFACT_FILE = 'model.json';

export function predictorFromArtifact(_text: string): Predictor {
  throw new Error('predictorFromArtifact: the model module has not landed yet');
}
