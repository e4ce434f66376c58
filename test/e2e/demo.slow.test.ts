// `npm run demo` as a user runs it (the compiled CLI; run `npm run build` first), on a fresh stack folder and then
// again on the same folder. Prints the two figures the acceptance asks for: data drop → first served prediction,
// and the whole demo's wall time. Slow and machine-dependent, so not part of `npm test`:
//   npx mocha --no-config -r tsx/cjs --timeout 120000 test/e2e/demo.slow.test.ts
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const REPO = join(__dirname, '../..');

describe('e2e (slow): npm run demo', function () {
  this.timeout(120_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'demo-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  for (const round of ['fresh folder', 'second run, same folder']) {
    it(`exits 0 with predictions from the served endpoint (${round})`, async () => {
      const started = Date.now();
      const { stdout } = await promisify(execFile)(process.execPath, ['bin/vertex-retrain.js', '--dir', dir, 'demo'], {
        cwd: REPO,
      });
      const wallMs = Date.now() - started;
      assert.match(stdout, /PREDICTED SURVIVED\s+PROBABILITY/);
      const drop = /data drop → first served prediction: ([\d.]+) s/.exec(stdout)?.[1];
      assert.ok(drop, stdout);
      console.log(
        `      ${round}: drop → first served prediction ${drop} s; whole demo ${(wallMs / 1000).toFixed(1)} s`,
      );
    });
  }
});
