// What every handler shares: decoding with clear errors, the stale-event guard, and the retry policy —
// transient errors are thrown (→ 500 → redelivery), everything else is logged and acknowledged (→ 204).
import type { CloudEvent } from '@google-cloud/functions-framework';
import { z } from 'zod';
import { getRuntime } from '../backend';
import { traceFields, withRunId } from '../log';
import { classifyError, errorMessage, errorReason } from '../pipeline/errors';
import { engineLedger, errorRunId, type StepContext, type StepResult } from '../engine/context';

/** The event cannot be understood; acknowledged (a retry would not make it readable). */
export class MalformedEventError extends Error {
  override name = 'MalformedEventError';
}

/** Parses with a zod schema, turning failures into a MalformedEventError listing the bad fields. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new MalformedEventError(`${what}: ${issues}`);
}

const PUBSUB = z.object({
  message: z.object({
    data: z.string().regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'not base64'),
    attributes: z.record(z.string(), z.string()).optional(),
    messageId: z.string().optional(),
    publishTime: z.string().optional(),
  }),
  subscription: z.string().optional(),
});

/** A Pub/Sub MessagePublishedData: the JSON payload (base64 → UTF-8 → JSON) and the message's fields. */
export function decodePubSub(data: unknown): {
  json: unknown;
  attributes: Record<string, string>;
  publishTime?: string;
} {
  const { message } = parseOrThrow(PUBSUB, data, 'Pub/Sub event data');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(message.data, 'base64').toString('utf8'));
  } catch {
    throw new MalformedEventError('Pub/Sub message data is not base64 JSON');
  }
  return {
    json,
    attributes: message.attributes ?? {},
    ...(message.publishTime ? { publishTime: message.publishTime } : {}),
  };
}

/** Age of an event in seconds from its time (RFC 3339), or undefined when it carries none that parses. */
export function eventAgeSeconds(time: string | undefined, now: Date): number | undefined {
  const t = time ? Date.parse(time) : NaN;
  return Number.isFinite(t) ? (now.getTime() - t) / 1000 : undefined;
}

/**
 * Runs one event through decode → step with the retry policy. `decode` returns the step input and the event's time
 * (publishTime for Pub/Sub, else ce.time); it throws MalformedEventError for bad input. `runOf` names the run an
 * input is about, when the event itself says (a training notice, a build's tags), for the lines written before or
 * around the step.
 */
export async function handleEvent<T>(
  functionName: string,
  ce: CloudEvent<unknown>,
  decode: (ce: CloudEvent<unknown>) => { input: T; time?: string },
  step: (ctx: StepContext, input: T) => Promise<StepResult>,
  runOf: (input: T) => string | undefined = () => undefined,
): Promise<void> {
  const rt = getRuntime();
  const log = rt.log.child({
    function: functionName,
    eventId: ce.id,
    ...traceFields(ce.traceparent, rt.config.projectId),
  });
  let decoded: { input: T; time?: string };
  try {
    decoded = decode(ce);
  } catch (err) {
    log.error(
      { reason: errorReason(err), type: ce.type, source: ce.source },
      `malformed event acknowledged: ${errorMessage(err)}`,
    );
    return;
  }
  const namedRun = runOf(decoded.input);
  const age = eventAgeSeconds(decoded.time ?? ce.time, rt.ports.now());
  if (age !== undefined && age > rt.config.maxEventAgeSeconds) {
    const staleLog = namedRun ? withRunId(log, namedRun) : log;
    staleLog.warn(
      { ageSeconds: Math.round(age), maxEventAgeSeconds: rt.config.maxEventAgeSeconds },
      'stale event dropped',
    );
    return;
  }
  try {
    // The ledger of this event: its transition lines carry the event's id and trace like every other line of it.
    const result = await step({ ...rt, log, ledger: engineLedger(rt.config, rt.ports, log) }, decoded.input);
    const quiet = result.outcome === 'idle' || result.outcome === 'waiting' || result.outcome === 'duplicate';
    log[quiet && functionName === 'onReconcileTick' ? 'debug' : 'info'](
      { ...result },
      `${functionName}: ${result.outcome}`,
    );
  } catch (err) {
    // An error from a run's work names the run (engine/context.ts `inRun`), so this line counts under it too.
    const runId = errorRunId(err) ?? namedRun;
    const errLog = runId ? withRunId(log, runId) : log;
    if (classifyError(err) === 'transient') {
      errLog.warn({ reason: errorReason(err) }, `transient error, event will be redelivered: ${errorMessage(err)}`);
      throw err;
    }
    errLog.error({ reason: errorReason(err), err }, `permanent error, event acknowledged: ${errorMessage(err)}`);
  }
}
