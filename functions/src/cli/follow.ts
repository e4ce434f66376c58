// Following a run as it moves: a live stage display on a terminal (redrawn in place), one line per change otherwise.
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunRecord } from '../pipeline/run-record';
import { isTerminal } from '../pipeline/run-state';
import { renderStages, type StagesRun } from './run-view';

export interface FollowOptions<R extends StagesRun = RunRecord> {
  /** Fetches the run; undefined while the ledger has no record yet. */
  fetch: () => Promise<R | undefined>;
  out: NodeJS.WritableStream & { isTTY?: boolean };
  timeoutMs: number;
  pollMs?: number;
  now?: () => Date;
}

/** Resolves with the run in a final state; throws on timeout. */
export async function followRun<R extends StagesRun = RunRecord>(opts: FollowOptions<R>): Promise<R> {
  const now = opts.now ?? (() => new Date());
  const deadline = Date.now() + opts.timeoutMs;
  let drawn = 0;
  let printed = new Set<string>();
  for (;;) {
    const run = await opts.fetch();
    if (run) {
      const lines = renderStages(run, now());
      if (opts.out.isTTY) {
        // Move up over the previous drawing and clear it, then draw again.
        if (drawn > 0) opts.out.write(`\x1b[${drawn}A\x1b[0J`);
        opts.out.write(`${lines.join('\n')}\n`);
        drawn = lines.length;
      } else {
        // Without a terminal, print each stage once it is finished (or final).
        const done = lines.filter((l) => !l.includes('so far'));
        for (const line of done) {
          const key = line.trim().split(/\s+/).slice(0, 2).join(' ');
          if (!printed.has(key)) opts.out.write(`${line}\n`);
        }
        printed = new Set([...printed, ...done.map((l) => l.trim().split(/\s+/).slice(0, 2).join(' '))]);
      }
      if (isTerminal(run.state)) return run;
    }
    if (Date.now() > deadline) throw new Error(`the run did not finish within ${opts.timeoutMs / 1000} s`);
    await sleep(opts.pollMs ?? 100);
  }
}
