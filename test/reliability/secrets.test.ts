// No secrets in the repository: every tracked file is scanned for private keys, service-account keys, API keys and
// environment files. An allowlist names (with a reason) a tracked file that only looks like a secret.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { recordSuite } from './support/results';

const ROOT = join(__dirname, '../..');

/** What a secret looks like in content. Built from parts so this file does not match itself. */
const CONTENT_PATTERNS: [string, RegExp][] = [
  ['private key', new RegExp(`-----BEGIN (?:[A-Z]+ )?${'PRIVATE'} KEY-----`)],
  ['service account key', new RegExp(`"type"\\s*:\\s*"${'service'}_account"`)],
  ['Google API key', new RegExp(`${'AI'}za[0-9A-Za-z_-]{35}`)],
  ['AWS access key id', new RegExp(`\\b(?:${'AK'}IA|${'AS'}IA)[0-9A-Z]{16}\\b`)],
  ['AWS secret key', new RegExp(`aws_secret_access_key\\s*[:=]\\s*["']?[A-Za-z0-9/+=]{40}`, 'i')],
  ['GitHub token', new RegExp(`\\b${'gh'}[pousr]_[A-Za-z0-9]{36}\\b`)],
  ['Slack token', new RegExp(`\\b${'xo'}x[baprs]-[A-Za-z0-9-]{10,}`)],
];
/** Files that hold secrets by their name alone. */
const SECRET_FILE = /^(?:\.env(?:\..+)?|.*\.(?:pem|p12|pfx|key)|id_(?:rsa|ed25519|ecdsa)|credentials\.json)$/;
const NOT_SECRET_FILE = /^\.env\.(?:example|sample|template)$/;
/** path → why a match there is not a secret. Empty: nothing tracked needs it today. */
const ALLOWLIST: Record<string, string> = {};

export function findSecrets(path: string, content: string): string[] {
  const found = CONTENT_PATTERNS.filter(([, re]) => re.test(content)).map(([what]) => what);
  const name = basename(path);
  if (SECRET_FILE.test(name) && !NOT_SECRET_FILE.test(name)) found.push(`secret file name "${name}"`);
  return found;
}

describe('reliability: security checks', () => {
  it('finds the patterns it looks for (planted samples, assembled at run time)', () => {
    const fakeKey = ['AI', 'za', 'B'.repeat(35)].join('');
    assert.deepEqual(findSecrets('x.ts', `const k = "${fakeKey}";`), ['Google API key']);
    assert.deepEqual(findSecrets('k.json', `{"type": "${'service'}_account", "x": 1}`), ['service account key']);
    assert.deepEqual(findSecrets('a', `-----BEGIN RSA ${'PRIVATE'} KEY-----`), ['private key']);
    assert.deepEqual(findSecrets('a', `${'AK'}IAABCDEFGHIJKLMNOP`), ['AWS access key id']);
    assert.deepEqual(findSecrets('.env', ''), ['secret file name ".env"']);
    assert.deepEqual(findSecrets('.env.example', 'A=1'), []);
  });

  it('no tracked file holds a secret', () => {
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT }).toString().split('\0').filter(Boolean);
    const hits: string[] = [];
    let scanned = 0;
    for (const file of files) {
      const path = join(ROOT, file);
      let size: number;
      try {
        size = statSync(path).size;
      } catch {
        continue; // deleted in the working tree, not yet committed
      }
      if (size > 20 * 1024 * 1024) continue;
      scanned++;
      for (const what of findSecrets(file, readFileSync(path, 'latin1'))) {
        if (!ALLOWLIST[file]) hits.push(`${file}: ${what}`);
      }
    }
    recordSuite({
      suite: 'security: secrets scan',
      cases: scanned,
      outcomes: { clean: scanned - hits.length, secret: hits.length },
      crashes: 0,
    });
    assert.ok(scanned > 100, `only ${scanned} files scanned`);
    assert.deepEqual(hits, []);
  });
});
