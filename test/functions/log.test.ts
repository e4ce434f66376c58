import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, traceFields, withRunId } from '../../functions/src/log';

function capture(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

describe('log', () => {
  it('writes Cloud Logging JSON: severity, message, time; run id on every child line', async () => {
    const { lines, stream } = capture();
    const log = createLogger({ logLevel: 'debug' }, stream);
    const run = log.child({ runId: 'train-abc' });
    run.info('hello');
    run.warn({ reason: 'x' }, 'careful');
    log.error('bad');
    log.debug('detail');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      lines.map((l) => [l.severity, l.message, l.runId]),
      [
        ['INFO', 'hello', 'train-abc'],
        ['WARNING', 'careful', 'train-abc'],
        ['ERROR', 'bad', undefined],
        ['DEBUG', 'detail', undefined],
      ],
    );
    assert.match(String(lines[0]?.time), /^\d{4}-\d\d-\d\dT/);
    assert.equal(lines[0]?.level, undefined, 'no numeric pino level');
  });

  it('honours the level', async () => {
    const { lines, stream } = capture();
    createLogger({ logLevel: 'warn' }, stream).info('hidden');
    await new Promise((r) => setImmediate(r));
    assert.equal(lines.length, 0);
  });

  const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  it('maps a traceparent to the Cloud Logging trace fields', () => {
    assert.deepEqual(traceFields(tp, 'my-project'), {
      'logging.googleapis.com/trace': 'projects/my-project/traces/4bf92f3577b34da6a3ce929d0e0e4736',
      'logging.googleapis.com/spanId': '00f067aa0ba902b7',
      'logging.googleapis.com/trace_sampled': true,
    });
  });
  const none: [string, unknown, string | undefined][] = [
    ['no project', tp, undefined],
    ['no header', undefined, 'p'],
    ['garbage', 'abc', 'p'],
    ['all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01', 'p'],
  ];
  for (const [what, header, project] of none)
    it(`no trace fields with ${what}`, () => assert.deepEqual(traceFields(header, project), {}));

  it('withRunId binds the run id once: binding the same run again does not write the key twice', async () => {
    const raw: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        raw.push(chunk.toString('utf8'));
        done();
      },
    });
    const log = createLogger({ logLevel: 'info' }, stream).child({ function: 'f' });
    const run = withRunId(log, 'train-abc');
    withRunId(run, 'train-abc').info({ step: 1 }, 'again');
    run.info('once');
    log.info('no run');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      raw.map((l) => l.match(/"runId":/g)?.length ?? 0),
      [1, 1, 0],
    );
    assert.deepEqual(
      raw.map((l) => (JSON.parse(l) as Record<string, unknown>).runId),
      ['train-abc', 'train-abc', undefined],
    );
  });
});
