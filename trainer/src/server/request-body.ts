// Checks the envelope of a Vertex AI predict request: `{"instances": [...], "parameters": {...}}`.
// Only the envelope: each instance's fields are the predictor's business (it throws InstanceError).

/** A client error the server answers with 400 and this JSON body. */
export class BadRequestError extends Error {
  readonly statusCode = 400;
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'BadRequestError';
  }
}

/**
 * Returns the request's instances, or throws BadRequestError naming what is wrong with the envelope.
 * `parameters` is optional (null counts as absent: Vertex forwards what the client sent); otherwise it must be an object.
 * Never copies or modifies the body.
 */
export function instancesOf(body: unknown): readonly unknown[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestError('request body must be a JSON object like {"instances": [...]}');
  }
  const { instances, parameters } = body as { instances?: unknown; parameters?: unknown };
  if (instances === undefined) throw new BadRequestError('"instances" is missing', 'instances');
  if (!Array.isArray(instances)) throw new BadRequestError('"instances" must be an array', 'instances');
  if (instances.length === 0) throw new BadRequestError('"instances" must not be empty', 'instances');
  if (
    parameters !== undefined &&
    parameters !== null &&
    (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters))
  ) {
    throw new BadRequestError('"parameters" must be an object when present', 'parameters');
  }
  return instances;
}
