// The seam between the model code and the prediction server.
// The server only knows this interface; the model module (artifact + preprocess) implements it.

/** One prediction, in the order of the request's instances. */
export interface Prediction {
  survived: 0 | 1;
  /** Probability of survival, in [0, 1]. */
  probability: number;
}

/** A request instance that cannot be scored; the server answers 400 naming `index` and `field`. */
export class InstanceError extends Error {
  constructor(
    readonly index: number,
    readonly field: string,
    message: string,
  ) {
    super(`instances[${index}].${field}: ${message}`);
    this.name = 'InstanceError';
  }
}

/**
 * A request instance with fields the model does not know (a misspelling such as `pclass`, or another data set's
 * column): the server answers 400 naming every one of them and the expected columns, rather than imputing the
 * fields it did not find and predicting from nothing.
 */
export class UnknownFieldError extends InstanceError {
  constructor(
    index: number,
    readonly unknownFields: readonly string[],
    readonly expectedFields: readonly string[],
    message: string,
  ) {
    super(index, unknownFields[0] ?? '', message);
    this.name = 'UnknownFieldError';
    this.message = `instances[${index}]: ${message}`;
  }
}

export interface Predictor {
  /** Scores every instance or throws an InstanceError for the first bad one. Never mutates its input. */
  predict(instances: readonly unknown[]): Prediction[];
  /** What the loaded artifact is, for logs and the health route. */
  readonly info: { schemaVersion: number; modelVersion: string };
}
