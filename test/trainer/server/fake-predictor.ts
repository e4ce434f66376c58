// A stand-in model for the server tests: checks two fields the way the real one must, scores by sex and class.
import { InstanceError, type Prediction, type Predictor } from '../../../trainer/src/predictor';

export class FakePredictor implements Predictor {
  readonly info = { schemaVersion: 1, modelVersion: 'fake-1' };
  calls = 0;

  predict(instances: readonly unknown[]): Prediction[] {
    this.calls++;
    return instances.map((instance, index) => {
      if (typeof instance !== 'object' || instance === null || Array.isArray(instance)) {
        throw new InstanceError(index, '', 'must be an object');
      }
      const { Sex, Pclass } = instance as { Sex?: unknown; Pclass?: unknown };
      if (Sex !== 'male' && Sex !== 'female') throw new InstanceError(index, 'Sex', 'must be "male" or "female"');
      if (Pclass !== 1 && Pclass !== 2 && Pclass !== 3) throw new InstanceError(index, 'Pclass', 'must be 1, 2 or 3');
      const probability = (Sex === 'female' ? 0.7 : 0.2) + (3 - Pclass) * 0.1;
      return { survived: probability >= 0.5 ? 1 : 0, probability };
    });
  }
}

/** A promise with its resolvers exposed, to hold a model load open while a test looks at the server. */
export function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: Error) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
