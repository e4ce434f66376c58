import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localLayout } from '../../../functions/src/local/layout';
import { PAUSE_AT_ENV, pauseFiles, pauseHook } from '../../../functions/src/local/pause-hook';

describe('local/pause-hook (test-only stage boundary hook)', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'pause-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('is inert when RETRAIN_LOCAL_PAUSE_AT is unset: no marker, no wait', async () => {
    const pause = pauseHook(localLayout(root), {});
    await pause('build');
    await pause('deploy');
    assert.equal(existsSync(pauseFiles(root, 'build').paused), false);
  });

  it('rejects an unknown stage name', () => {
    assert.throws(() => pauseHook(localLayout(root), { [PAUSE_AT_ENV]: 'deploying' }), /build, training, deploy/);
  });

  it('waits only at its stage: writes paused-<stage>, resumes when release-<stage> appears', async () => {
    const pause = pauseHook(localLayout(root), { [PAUSE_AT_ENV]: 'deploy' }, 5);
    await pause('build');
    let released = false;
    const waiting = pause('deploy').then(() => (released = true));
    const files = pauseFiles(root, 'deploy');
    for (let i = 0; i < 200 && !existsSync(files.paused); i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(existsSync(files.paused), 'marker written');
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(released, false, 'still waiting');
    await writeFile(files.release, '');
    await waiting;
    assert.equal(released, true);
  });
});
