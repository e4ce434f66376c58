// Checks the field names of each request instance before the model reads it. The model imputes a missing field, so
// without this a misspelled one (`pclass` for `Pclass`) would be silently ignored and the prediction made from
// imputed values. Every unknown field of the first bad instance is named, with a suggestion when it differs from an
// expected column only by case or punctuation, and the expected columns are listed.
import { UnknownFieldError, type Predictor } from '../predictor';

export interface InstanceFields {
  /** The model's input columns (what the message lists as expected). */
  expected: readonly string[];
  /** Also accepted, and ignored by the model (an id column, the label of a training row). */
  ignored?: readonly string[];
}

const squash = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Returns a function that throws UnknownFieldError for an instance with a field outside `fields`. */
export function fieldChecker(fields: InstanceFields): (instance: unknown, index: number) => void {
  const { expected, ignored = [] } = fields;
  const accepted = new Set([...expected, ...ignored]);
  const bySquashed = new Map([...accepted].map((name) => [squash(name), name]));
  const alsoAccepted = ignored.length ? ` (${ignored.join(', ')} also accepted, and ignored)` : '';
  return (instance, index) => {
    // Not an object: the model's own check names it.
    if (typeof instance !== 'object' || instance === null || Array.isArray(instance)) return;
    let unknown: string[] | undefined;
    for (const key of Object.keys(instance)) if (!accepted.has(key)) (unknown ??= []).push(key);
    if (!unknown) return;
    const named = unknown.map((key) => {
      const near = bySquashed.get(squash(key));
      return near ? `${JSON.stringify(key)} (did you mean ${JSON.stringify(near)}?)` : JSON.stringify(key);
    });
    throw new UnknownFieldError(
      index,
      unknown,
      expected,
      `unknown field${unknown.length > 1 ? 's' : ''} ${named.join(', ')}; expected columns: ${expected.join(', ')}` +
        alsoAccepted,
    );
  };
}

/** Wraps a predictor so every instance's field names are checked before it is scored. */
export function checkingFields(predictor: Predictor, fields: InstanceFields): Predictor {
  const check = fieldChecker(fields);
  return {
    info: predictor.info,
    predict(instances) {
      for (let i = 0; i < instances.length; i++) check(instances[i], i);
      return predictor.predict(instances);
    },
  };
}
