// The one home of the contract's JSON Schema validator: ajv for draft 2020-12 with formats, and the error rendering
// every contract file uses (`serve.port: must be <= 65535`), so a user reads the field path, not ajv's pointer.
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/** A fresh ajv: all errors (so a user fixes a file in one round), strict about schemas, coercing nothing. */
export function newAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: false, useDefaults: false });
  addFormats(ajv);
  return ajv;
}

/** A JSON pointer (`/serve/port`, `/metrics/0/name`) as a field path (`serve.port`, `metrics[0].name`). */
export function fieldPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

/** One ajv error as `path: message`, naming the offending property for required/additionalProperties. */
export function describeError(e: ErrorObject): string {
  const at = fieldPath(e.instancePath);
  const join = (name: string) => (at ? `${at}.${name}` : name);
  switch (e.keyword) {
    case 'required':
      return `${join(String(e.params.missingProperty))}: is required`;
    case 'additionalProperties':
      return `${join(String(e.params.additionalProperty))}: is not a known field`;
    case 'enum':
      return `${at || '(top level)'}: must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${at || '(top level)'}: must be ${JSON.stringify(e.params.allowedValue)}`;
    default:
      return `${at || '(top level)'}: ${e.message ?? e.keyword}`;
  }
}

/** A file that breaks its contract schema; `problems` are `path: message` lines. */
export class ContractError extends Error {
  override name = 'ContractError';
  constructor(
    readonly what: string,
    readonly problems: string[],
  ) {
    super(`${what}: ${problems.join('; ')}`);
  }
}

/** Validates `value` and returns it typed, or throws a ContractError naming every bad field. */
export function check<T>(validate: ValidateFunction, value: unknown, what: string): T {
  if (validate(value)) return value as T;
  // allErrors reports `propertyNames` twice (the name and the keyword); keep each line once.
  throw new ContractError(what, [...new Set((validate.errors ?? []).map(describeError))]);
}
