import assert from 'node:assert/strict';
import { loadOncePerKey } from '../../functions/src/load-once';

describe('load-once', () => {
  it('loads each key once and shares the promise between callers', async () => {
    const calls: string[] = [];
    const get = loadOncePerKey((key) => {
      calls.push(key);
      return Promise.resolve(`value of ${key}`);
    });
    const [a, b] = [get('trainer'), get('trainer')];
    assert.equal(a, b);
    assert.equal(await a, 'value of trainer');
    assert.equal(await get('examples/diabetes'), 'value of examples/diabetes');
    assert.deepEqual(calls, ['trainer', 'examples/diabetes']);
  });

  it('forgets a failed load, so the next call loads again', async () => {
    let attempt = 0;
    const get = loadOncePerKey((key) => {
      attempt += 1;
      return attempt === 1 ? Promise.reject(new Error(`${key} unreadable`)) : Promise.resolve(key);
    });
    await assert.rejects(get('trainer'), /trainer unreadable/);
    assert.equal(await get('trainer'), 'trainer');
    assert.equal(attempt, 2);
  });
});
