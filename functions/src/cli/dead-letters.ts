// `vertex-retrain dead-letters [--replay]`: events the router gave up on, with the last error; replay re-queues
// them with a fresh attempt budget (a running stack picks them up within a second, a stopped one on its next start).
import { listDeadLetters, replayDeadLetters } from '../local/queue-files';
import type { LocalLayout } from '../local/layout';

export async function deadLetters(layout: LocalLayout, replay: boolean, out: NodeJS.WritableStream): Promise<number> {
  const letters = await listDeadLetters(layout);
  if (letters.length === 0) {
    out.write(`no dead letters in ${layout.deadLetters}\n`);
    return 0;
  }
  for (const l of letters) {
    out.write(`${l.deadLetteredAt}  ${l.trigger}  ${l.event.type}  id=${l.event.id}  attempts=${l.attempts}\n`);
    out.write(`    last error: ${l.lastError ?? '(none)'}\n`);
  }
  if (replay) {
    const n = await replayDeadLetters(layout);
    out.write(`replayed ${n} event(s) into ${layout.queue}\n`);
  }
  return letters.length;
}
