// The checks between Terraform and the functions' code, as functions returning one line per problem, so the tests
// can run them on the real configuration (expecting no problem) and on broken variants (expecting the problem named).
import { dirname, join } from 'node:path';
import { ConfigError, parseConfig } from '../../functions/src/config';

/** `local.functions` entries as Terraform declares them. */
export interface FunctionSpec {
  entry_point: string;
  event_type: string;
  bucket?: string | null;
  pubsub_topic?: string | null;
}

/** What functions-framework holds for a registered name. */
export interface Registration {
  signatureType: string;
  userFunction: unknown;
}

/** Both directions: keys Terraform sets that the code does not read, and keys the code reads that Terraform omits. */
export function keySetProblems(terraformKeys: string[], codeKeys: readonly string[]): string[] {
  const tf = new Set(terraformKeys);
  const code = new Set(codeKeys);
  return [
    ...[...code].filter((k) => !tf.has(k)).map((k) => `${k}: read by the config module, not set by Terraform`),
    ...[...tf].filter((k) => !code.has(k)).map((k) => `${k}: set by Terraform, not read by the config module`),
  ].sort();
}

/** Event type → the functions-framework signature a handler of it must be registered with. */
const SIGNATURE_FOR_EVENT: Record<string, string> = {
  'google.cloud.storage.object.v1.finalized': 'cloudevent',
  'google.cloud.pubsub.topic.v1.messagePublished': 'cloudevent',
};

/** Every Terraform function's entry point is registered by the entry module, with the signature its trigger needs. */
export function entryPointProblems(
  specs: Record<string, FunctionSpec>,
  lookup: (name: string) => Registration | undefined,
): string[] {
  const problems: string[] = [];
  for (const [key, spec] of Object.entries(specs)) {
    const registered = lookup(spec.entry_point);
    const wanted = SIGNATURE_FOR_EVENT[spec.event_type];
    if (wanted === undefined) problems.push(`${key}: event type ${spec.event_type} has no known signature`);
    if (registered === undefined) {
      problems.push(`${key}: entry point ${spec.entry_point} is not registered by the entry module`);
    } else if (wanted !== undefined && registered.signatureType !== wanted) {
      problems.push(
        `${key}: ${spec.entry_point} is registered as ${registered.signatureType}, its trigger needs ${wanted}`,
      );
    }
    if (spec.event_type.includes('pubsub') !== (spec.pubsub_topic != null)) {
      problems.push(`${key}: event type ${spec.event_type} with pubsub_topic ${String(spec.pubsub_topic)}`);
    }
  }
  return problems;
}

/** The problems parseConfig reports for `env` (empty when it parses). */
export function configProblems(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

/**
 * functions-framework's registry (name → signature type and handler). Its `getRegisteredFunction` is not exported
 * through the package's `exports`; requiring the module file by path yields the same module instance (CommonJS
 * caches by file name) that `functions.cloudEvent(...)` in the entry module registered into.
 */
export function functionRegistry(): (name: string) => Registration | undefined {
  const main = require.resolve('@google-cloud/functions-framework');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const registry = require(join(dirname(main), 'function_registry.js')) as {
    getRegisteredFunction: (name: string) => Registration | undefined;
  };
  return registry.getRegisteredFunction;
}
