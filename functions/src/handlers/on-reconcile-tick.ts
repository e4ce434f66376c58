// onReconcileTick: a scheduler message (any payload) → advance every in-flight run, without waiting.
import type { CloudEvent } from '@google-cloud/functions-framework';
import { tick } from '../engine/tick';
import { handleEvent } from './event';

/** The payload is not read; only the publish time matters (a tick older than MAX_EVENT_AGE_SECONDS is dropped). */
export function decodeTick(ce: CloudEvent<unknown>): { input: null; time?: string } {
  const message = (ce.data as { message?: { publishTime?: unknown } } | undefined)?.message;
  const publishTime = typeof message?.publishTime === 'string' ? message.publishTime : undefined;
  return { input: null, ...(publishTime ? { time: publishTime } : {}) };
}

export const onReconcileTick = (ce: CloudEvent<unknown>): Promise<void> =>
  handleEvent('onReconcileTick', ce, decodeTick, (ctx) => tick(ctx));
