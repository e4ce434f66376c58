// Reading a model directory's model.json into a Predictor, with errors that name the file. Used by the prediction
// server (AIP_STORAGE_URI) and by training to score the serving version's model (--baseline-model-dir). A module of
// its own so the training bundle does not pull in serve.ts (whose main guard would start a server).
import { ARTIFACT_FILE } from './artifact';
import type { Predictor } from './predictor';
import { joinUri, readUri } from './uri-io';

/** Reads `<dir>/model.json` (gs:// or local) and parses it, with errors that name the file. */
export async function loadPredictor(dir: string, parseArtifact: (text: string) => Predictor): Promise<Predictor> {
  const uri = joinUri(dir, ARTIFACT_FILE);
  let text: string;
  try {
    text = (await readUri(uri)).data.toString('utf8');
  } catch (err) {
    throw new Error(`cannot read the model artifact ${uri}: ${(err as Error).message}`);
  }
  try {
    return parseArtifact(text);
  } catch (err) {
    throw new Error(`${uri} is not a usable model artifact: ${(err as Error).message}`);
  }
}
