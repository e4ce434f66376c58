// The model artifact (model.json): a versioned JSON document holding everything needed to score a passenger, and
// nothing that changes between identical runs (no timestamps, no random ids), so the same data, seed and arguments
// give a byte-identical file. `predictorFromArtifact` checks it and precomputes what scoring needs.
import { createHash } from 'node:crypto';
import * as v from 'valibot';
import { FieldError, PASSENGER_FIELDS, readers, type Passenger } from './fields';
import { encoder, featureNames, type FeatureStats } from './features';
import { predictLogistic, type LogisticModel } from './logistic';
import { InstanceError, type Prediction, type Predictor } from './predictor';
import type { FittedModel } from './train';

export const ARTIFACT_FILE = 'model.json';
// 2: features chosen by CV in session 2 (woman-child group per ticket, `womenChildrenByTicket`).
export const SCHEMA_VERSION = 2;
export const MODEL_KIND = 'titanic-logistic-regression';

/** Where the training data came from, as far as the store tells (generation and md5 on Cloud Storage). */
export interface TrainingDataRef {
  uri: string;
  sha256: string;
  rows: number;
  generation?: string;
  md5Hash?: string;
}

export interface Artifact {
  schemaVersion: number;
  kind: string;
  /** Content hash of the scoring parameters: identical models share it, whatever run produced them. */
  modelVersion: string;
  codeVersion: string;
  endpointVersion?: number;
  runId?: string;
  seed: number;
  trainingData: TrainingDataRef;
  featureNames: string[];
  features: FeatureStats;
  model: LogisticModel & { lambda: number };
}

// valibot rather than zod here: the prediction server loads this module at start, and `npm run bench` measured
// zod's load at ~47 ms and ~14.5 MB of RSS against ~6 ms and ~2 MB for valibot (start→healthy ≤ 200 ms, RSS ≤ 80 MB).
const num = v.pipe(v.number(), v.finite());
const positiveInt = v.pipe(v.number(), v.integer(), v.minValue(1));
const statsSchema = v.object({
  titles: v.array(v.string()),
  // Maps are [key, value] entries, never JSON objects: a key may be any text ("__proto__", "constructor"), and an
  // object would lose those keys on the way through (JavaScript objects, and valibot's record, drop them).
  ageByTitle: v.array(v.tuple([v.string(), num])),
  ageMedian: num,
  fareByClass: v.tuple([num, num, num]),
  sexByTitle: v.array(v.tuple([v.string(), v.picklist(['male', 'female'])])),
  pclassMode: v.picklist([1, 2, 3]),
  embarkedMode: v.picklist(['C', 'Q', 'S']),
  ticketCounts: v.array(v.tuple([v.string(), positiveInt])),
  womenChildrenByTicket: v.array(
    v.pipe(
      v.tuple([v.string(), positiveInt, v.pipe(v.number(), v.integer(), v.minValue(0))]),
      v.check(([, members, survivors]) => survivors <= members, 'survivors cannot exceed members'),
    ),
  ),
  min: v.array(num),
  max: v.array(num),
  mean: v.array(num),
  std: v.array(v.pipe(num, v.gtValue(0))),
});
const artifactSchema = v.object({
  schemaVersion: v.literal(SCHEMA_VERSION),
  kind: v.literal(MODEL_KIND),
  modelVersion: v.pipe(v.string(), v.minLength(1)),
  codeVersion: v.string(),
  endpointVersion: v.optional(positiveInt),
  runId: v.optional(v.string()),
  seed: v.pipe(v.number(), v.integer()),
  trainingData: v.object({
    uri: v.string(),
    sha256: v.string(),
    rows: v.pipe(v.number(), v.integer()),
    generation: v.optional(v.string()),
    md5Hash: v.optional(v.string()),
  }),
  featureNames: v.array(v.string()),
  features: statsSchema,
  model: v.object({ intercept: num, weights: v.array(num), lambda: num }),
});

/** Rounds every float to 12 significant digits: far below any effect on a prediction, and it keeps the file stable. */
function tidy<T>(value: T): T {
  // An integer of at most 12 digits (every count: a large set has a million ticket counts) is its own rounding.
  const rounded = (v: number): number => (Number.isInteger(v) && Math.abs(v) < 1e12 ? v : Number(v.toPrecision(12)));
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' ? rounded(v) : v))) as T;
}

function contentHash(parts: Pick<Artifact, 'schemaVersion' | 'kind' | 'featureNames' | 'features' | 'model'>): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

export interface ArtifactContext {
  codeVersion: string;
  endpointVersion?: number;
  runId?: string;
  seed: number;
  trainingData: TrainingDataRef;
}

/** Builds the artifact of a fitted model. */
export function buildArtifact(fitted: FittedModel, context: ArtifactContext): Artifact {
  const scoring = tidy({
    schemaVersion: SCHEMA_VERSION,
    kind: MODEL_KIND,
    featureNames: fitted.featureNames,
    features: fitted.features,
    model: { ...fitted.model, lambda: fitted.lambda },
  });
  const { schemaVersion, kind, ...rest } = scoring;
  return { schemaVersion, kind, modelVersion: contentHash(scoring), ...context, ...rest };
}

/** The artifact as the text written to model.json. */
export function serializeArtifact(artifact: Artifact): string {
  return `${JSON.stringify(artifact, null, 1)}\n`;
}

/** The artifact in `text` cannot be used; the message says why. */
export class ArtifactError extends Error {
  override name = 'ArtifactError';
}

/** Parses and checks an artifact (schema version first, so an old server says clearly what it cannot read). */
export function parseArtifact(text: string): Artifact {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ArtifactError('model artifact is not valid JSON');
  }
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== SCHEMA_VERSION) {
    throw new ArtifactError(
      `model artifact schemaVersion ${String(version)} is not supported (this code reads ${SCHEMA_VERSION})`,
    );
  }
  const parsed = v.safeParse(artifactSchema, json);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    throw new ArtifactError(`model artifact is malformed at ${v.getDotPath(issue) || '(root)'}: ${issue.message}`);
  }
  const artifact = parsed.output as Artifact;
  const expected = featureNames(artifact.features.titles);
  const { features: f, model } = artifact;
  const widths = [
    artifact.featureNames.length,
    model.weights.length,
    f.min.length,
    f.max.length,
    f.mean.length,
    f.std.length,
  ];
  if (expected.join() !== artifact.featureNames.join() || widths.some((w) => w !== expected.length)) {
    throw new ArtifactError('model artifact features do not match this code (feature names or vector widths differ)');
  }
  return artifact;
}

/** Reads one request instance into a Passenger; throws InstanceError naming the first bad field. */
function readInstance(instance: unknown, index: number): Passenger {
  if (typeof instance !== 'object' || instance === null || Array.isArray(instance)) {
    throw new InstanceError(index, '(instance)', 'must be an object of passenger fields (Pclass, Sex, Age, ...)');
  }
  const raw = instance as Record<string, unknown>;
  let field: (typeof PASSENGER_FIELDS)[number] = 'Pclass';
  try {
    return {
      pclass: readers[(field = 'Pclass')](raw.Pclass),
      name: readers[(field = 'Name')](raw.Name),
      sex: readers[(field = 'Sex')](raw.Sex),
      age: readers[(field = 'Age')](raw.Age),
      sibSp: readers[(field = 'SibSp')](raw.SibSp),
      parch: readers[(field = 'Parch')](raw.Parch),
      ticket: readers[(field = 'Ticket')](raw.Ticket),
      fare: readers[(field = 'Fare')](raw.Fare),
      cabin: readers[(field = 'Cabin')](raw.Cabin),
      embarked: readers[(field = 'Embarked')](raw.Embarked),
    };
  } catch (error) {
    if (error instanceof FieldError) throw new InstanceError(index, field, error.message);
    throw error;
  }
}

/** Loads an artifact into a Predictor. Throws ArtifactError when the text is not a usable artifact. */
export function predictorFromArtifact(text: string): Predictor {
  const artifact = parseArtifact(text);
  const encode = encoder(artifact.features);
  const x = new Float64Array(artifact.featureNames.length); // reused: scoring allocates no vectors
  return {
    info: { schemaVersion: artifact.schemaVersion, modelVersion: artifact.modelVersion },
    predict(instances: readonly unknown[]): Prediction[] {
      const predictions = new Array<Prediction>(instances.length);
      for (let i = 0; i < instances.length; i++) {
        const probability = predictLogistic(artifact.model, encode(readInstance(instances[i], i), x));
        predictions[i] = { survived: probability >= 0.5 ? 1 : 0, probability };
      }
      return predictions;
    },
  };
}
