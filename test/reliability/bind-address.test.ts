// Local services bind 127.0.0.1: the prediction server command started with --host 127.0.0.1 answers on the loopback
// address and refuses connections on the machine's other addresses. (The local stack's services join this later.)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordSuite } from './support/results';
import { trainedArtifactText } from './support/trained-model';
import { freePort } from '../../functions/src/local/child-process';

const reachable = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, host, () => (socket.destroy(), resolve(true)));
    socket.on('error', () => resolve(false));
    socket.setTimeout(2000, () => (socket.destroy(), resolve(false)));
  });

describe('reliability: security: local services bind 127.0.0.1', () => {
  it('the prediction server command honours --host 127.0.0.1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bind-'));
    writeFileSync(join(dir, 'model.json'), trainedArtifactText());
    const port = await freePort();
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', 'trainer/src/serve.ts', '--host', '127.0.0.1'], {
      env: { PATH: process.env.PATH, AIP_STORAGE_URI: dir, AIP_HTTP_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      let out = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => ((out += d.toString()), /model loaded/.test(out) && resolve()));
        child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
      });
      assert.match(out, new RegExp(`"address":"http://127\\.0\\.0\\.1:${port}"`));
      assert.equal(await reachable('127.0.0.1', port), true);
      const others = Object.values(networkInterfaces())
        .flat()
        .filter((a) => a && !a.internal && a.family === 'IPv4')
        .map((a) => a?.address as string);
      for (const address of others) assert.equal(await reachable(address, port), false, `reachable on ${address}`);
      recordSuite({
        suite: 'security: bind address',
        cases: 1 + others.length,
        outcomes: { 'loopback only': 1 + others.length },
        crashes: 0,
        notes: `non-loopback addresses tried: ${others.join(', ') || 'none'}`,
      });
    } finally {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
