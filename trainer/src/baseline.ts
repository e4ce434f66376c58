// The like-for-like baseline: the model serving now (--baseline-model-dir) scored on the candidate's own hold-out
// rows, so the gate compares two models on the same data. It is scored through the same Predictor the prediction
// server uses, so it is the served model's answers that count. A baseline that cannot be read or scored does not
// stop the training: the result says why, main.ts logs it and metrics.json records it (extra.baselineUnavailable).
import { predictorFromArtifact } from './artifact';
import type { LabelledPassenger, Passenger, PASSENGER_FIELDS } from './fields';
import type { Figures } from './metrics-file';
import { score } from './metrics';
import { loadPredictor } from './model-dir';
import type { Predictor } from './predictor';

export type BaselineResult =
  | { modelDir: string; scored: true; figures: Figures; rows: number; modelVersion: string }
  | { modelDir: string; scored: false; reason: string };

/** A passenger as a request instance (the CSV header's names), the form the served model reads. */
export function instanceOf(p: Passenger): Record<(typeof PASSENGER_FIELDS)[number], unknown> {
  return {
    Pclass: p.pclass,
    Name: p.name,
    Sex: p.sex,
    Age: p.age,
    SibSp: p.sibSp,
    Parch: p.parch,
    Ticket: p.ticket,
    Fare: p.fare,
    Cabin: p.cabin,
    Embarked: p.embarked,
  };
}

/** Loads `<modelDir>/model.json` and scores it on `holdout`; never throws. */
export async function scoreBaseline(
  modelDir: string,
  holdout: readonly LabelledPassenger[],
  load: (dir: string) => Promise<Predictor> = (dir) => loadPredictor(dir, predictorFromArtifact),
): Promise<BaselineResult> {
  try {
    if (holdout.length === 0) throw new Error('no hold-out rows to score it on');
    const predictor = await load(modelDir);
    const p = predictor.predict(holdout.map(instanceOf)).map((prediction) => prediction.probability);
    const { accuracy, rocAuc, logLoss, rows } = score(
      p,
      holdout.map((r) => r.survived),
    );
    return {
      modelDir,
      scored: true,
      figures: { accuracy, rocAuc, logLoss },
      rows,
      modelVersion: predictor.info.modelVersion,
    };
  } catch (error) {
    return { modelDir, scored: false, reason: (error as Error).message };
  }
}
