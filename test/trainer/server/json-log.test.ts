import assert from 'node:assert/strict';
import { jsonLogger } from '../../../trainer/src/server/json-log';

describe('json log', () => {
  const capture = (level?: string) => {
    const lines: string[] = [];
    return { log: jsonLogger(level, (line) => lines.push(line)), lines };
  };

  it('writes one JSON line per event with severity, time, message and the fields', () => {
    const { log, lines } = capture();
    log.info({ address: 'http://0.0.0.0:8080' }, 'listening');
    assert.equal(lines.length, 1);
    assert.ok(lines[0]?.endsWith('\n'));
    const event = JSON.parse(lines[0] as string);
    assert.equal(event.severity, 'INFO');
    assert.equal(event.message, 'listening');
    assert.equal(event.address, 'http://0.0.0.0:8080');
    assert.ok(!Number.isNaN(Date.parse(event.time)));
  });

  it('keeps the type, message and stack of errors', () => {
    const { log, lines } = capture();
    log.error({ err: new TypeError('bad weights') }, 'failed');
    const { err } = JSON.parse(lines[0] as string);
    assert.equal(err.type, 'TypeError');
    assert.equal(err.message, 'bad weights');
    assert.match(err.stack, /TypeError: bad weights\n\s+at /);
  });

  it('drops events below the level (LOG_LEVEL names, warn or warning)', () => {
    for (const [level, expected] of [
      ['warn', ['WARNING', 'ERROR']],
      ['WARNING', ['WARNING', 'ERROR']],
      ['error', ['ERROR']],
      [undefined, ['INFO', 'WARNING', 'ERROR']],
      ['nonsense', ['INFO', 'WARNING', 'ERROR']],
    ] as const) {
      const { log, lines } = capture(level);
      log.info({}, 'i');
      log.warn({}, 'w');
      log.error({}, 'e');
      assert.deepEqual(
        lines.map((l) => JSON.parse(l).severity),
        expected,
        `level ${level}`,
      );
    }
  });
});
