// Sends generated bodies over real HTTP (127.0.0.1) to the prediction server running in a child process, checks each
// answer against the case's expected status, and measures the server's memory after a warm-up and at the end.
import { fork } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { Prng } from '../../support/prng';
import type { ServerProbe } from './fuzz-server-child';
import { nextBodyCase, type BodyCase } from './request-bodies';
import { count } from './results';

export interface FuzzOptions {
  seed: number;
  cases: number;
  concurrency?: number;
  /** Per request; a request still unanswered then counts as a timeout. */
  timeoutMs?: number;
}

export interface FuzzReport {
  cases: number;
  /** Status (or "reset" / "timeout") → count. */
  statuses: Record<string, number>;
  kinds: Record<string, number>;
  /** Cases answered with another status than expected (or a 200 with a wrong number of predictions). */
  mismatches: { index: number; kind: string; expect: number; got: string; bytes: number }[];
  healthAfter: number;
  warm: ServerProbe;
  end: ServerProbe;
  childExit: number | null;
  ms: number;
}

interface Answer {
  status: string;
  body: string;
}

function send(url: string, c: BodyCase, agent: Agent, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (a: Answer) => {
      if (settled) return;
      settled = true;
      resolve(a);
    };
    const headers: Record<string, string | number> = { 'content-type': 'application/json' };
    if (!c.chunked) headers['content-length'] = c.body.length;
    const req = request(`${url}/predict`, { method: 'POST', agent, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => done({ status: String(res.statusCode), body: Buffer.concat(chunks).toString() }));
      res.on('error', () => done({ status: String(res.statusCode), body: '' }));
    });
    // The server answers 413 and closes without reading the rest: writing may then fail after the answer came in.
    req.on('error', () => done({ status: 'reset', body: '' }));
    req.on('timeout', () => (req.destroy(), done({ status: 'timeout', body: '' })));
    for (let at = 0; at < c.body.length; at += 64 * 1024) req.write(c.body.subarray(at, at + 64 * 1024));
    req.end();
  });
}

function check(c: BodyCase, a: Answer): boolean {
  if (a.status !== String(c.expect)) return false;
  if (c.expect !== 200) return /"error":\{"message":"/.test(a.body);
  const { predictions } = JSON.parse(a.body) as { predictions: { probability: number }[] };
  return predictions.length === c.instances && predictions.every((p) => p.probability >= 0 && p.probability <= 1);
}

/** Runs the fuzzing; never throws for a bad answer (the report holds them), only if the server cannot start. */
export async function fuzzServer({
  seed,
  cases,
  concurrency = 8,
  timeoutMs = 30_000,
}: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const child = fork(join(__dirname, 'fuzz-server-child.ts'), [], {
    execArgv: ['--expose-gc', '--require', 'tsx/cjs'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const next = <T>() => new Promise<T>((resolve) => child.once('message', (m) => resolve(m as T)));
  const { url } = await Promise.race([
    next<{ url: string }>(),
    exited.then((code) => Promise.reject(new Error(`fuzz server exited ${code} before listening`))),
  ]);
  const probe = () => (child.send('probe'), next<ServerProbe>());

  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const rng = new Prng(seed);
  const report = { statuses: {}, kinds: {}, mismatches: [] } as unknown as FuzzReport;
  const warmUp = Math.min(500, Math.floor(cases / 10));
  let index = 0;
  const worker = async (until: number) => {
    while (index < until) {
      const i = index++;
      const c = nextBodyCase(rng); // drawn in index order: the seed alone fixes case i
      const a = await send(url, c, agent, timeoutMs);
      count(report.statuses, a.status);
      count(report.kinds, c.kind);
      if (!check(c, a))
        report.mismatches.push({ index: i, kind: c.kind, expect: c.expect, got: a.status, bytes: c.body.length });
    }
  };
  const phase = (until: number) => Promise.all(Array.from({ length: concurrency }, () => worker(until)));
  await phase(warmUp);
  report.warm = await probe();
  await phase(cases);
  report.end = await probe();
  report.healthAfter = await new Promise<number>((resolve) =>
    request(`${url}/health`, { agent }, (res) => (res.resume(), resolve(res.statusCode ?? 0)))
      .on('error', () => resolve(0))
      .end(),
  );
  agent.destroy();
  child.send('close');
  report.childExit = await exited;
  report.cases = index;
  report.ms = Date.now() - started;
  return report;
}
