// Local mode's run-events topic: an append-only file of JSON lines in the stack folder (`run-events.jsonl`), one
// CloudEvent per run transition, written straight from the function process (or the operator command) that recorded
// the transition. The dashboard, `follow` or a user's `tail -f` read it; nothing is ever rewritten.
import { appendFile, readFile } from 'node:fs/promises';
import type { RunCloudEvent } from '../pipeline/run-event';
import type { RunEvents } from '../ports';
import type { LocalLayout } from './layout';

/**
 * Appends each event as one line. One write per event on a file opened for appending: lines from several processes
 * never interleave (O_APPEND on a local file system), so the file needs no lock.
 */
export class LocalRunEvents implements RunEvents {
  constructor(private readonly layout: Pick<LocalLayout, 'runEvents'>) {}

  async publish(event: RunCloudEvent): Promise<void> {
    await appendFile(this.layout.runEvents, `${JSON.stringify(event)}\n`, { flag: 'a' });
  }
}

/**
 * The recorded events, oldest first; only `runId`'s when given. A last line still being written (no newline yet) is
 * left for the next read; so is any line that is not a run event.
 */
export async function readRunEvents(layout: Pick<LocalLayout, 'runEvents'>, runId?: string): Promise<RunCloudEvent[]> {
  const text = await readFile(layout.runEvents, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  return complete.split('\n').flatMap((line) => {
    if (line === '') return [];
    let event: RunCloudEvent;
    try {
      event = JSON.parse(line) as RunCloudEvent;
    } catch {
      return [];
    }
    if (typeof event?.data?.runId !== 'string') return [];
    return runId === undefined || event.subject === runId ? [event] : [];
  });
}
