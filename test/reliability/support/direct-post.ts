// A CloudEvent POSTed straight to a function server the way a push subscription delivers it: a 500 the function
// raised on purpose (X-Google-Status: error, its "retry later" for transient causes such as CAS contention) is
// redelivered after a backoff, up to 5 attempts. Only a crash, or a 500 still there after the budget, is recorded as
// a server error ("500 <x-google-status>"); the redeliveries are counted as "retried".
import type { LocalCloudEvent } from '../../../functions/src/local/cloud-events';
import { toBinaryHttp } from '../../../functions/src/local/cloud-events';
import { count } from './results';

export const DIRECT_ATTEMPTS = 5;

/** Delivers `event` to `url`, counting each final status (and each redelivery) in `statuses`. */
export async function postLikePush(
  url: string,
  event: LocalCloudEvent,
  statuses: Record<string, number>,
): Promise<void> {
  const { headers, body } = toBinaryHttp(event);
  try {
    for (let attempt = 1; ; attempt++) {
      const r = await fetch(url, { method: 'POST', headers, body });
      await r.arrayBuffer();
      const retry = r.status === 500 && r.headers.get('x-google-status') === 'error';
      if (!retry || attempt === DIRECT_ATTEMPTS)
        return count(statuses, r.status === 500 ? `500 ${r.headers.get('x-google-status')}` : String(r.status));
      count(statuses, 'retried');
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  } catch {
    count(statuses, 'connection error');
  }
}

/** HTTP 5xx answers among the counted statuses (crashes or exhausted retries). */
export function serverErrorsIn(statuses: Record<string, number>): number {
  return Object.entries(statuses)
    .filter(([s]) => /^5\d\d/.test(s))
    .reduce((n, [, c]) => n + c, 0);
}
