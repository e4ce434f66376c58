import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../functions/src/local/atomic-write';

describe('local/atomic-write', () => {
  let root: string;
  beforeEach(async () => (root = await mkdtemp(join(tmpdir(), 'atomic-write-'))));
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('creates the folders, replaces the file whole and leaves no temporary file behind', async () => {
    const layout = { tmp: join(root, 'tmp') };
    const path = join(root, 'a', 'b', 'doc.json');
    await writeFileAtomic(layout, path, 'first');
    await writeFileAtomic(layout, path, Buffer.from('second'));
    assert.equal(await readFile(path, 'utf8'), 'second');
    assert.deepEqual(await readdir(layout.tmp), []);
  });

  it('concurrent writers: the file ends as one of them wrote it, never a mix', async () => {
    const layout = { tmp: join(root, 'tmp') };
    const path = join(root, 'doc.txt');
    const bodies = Array.from({ length: 20 }, (_, i) => String(i).repeat(50_000));
    await Promise.all(bodies.map((b) => writeFileAtomic(layout, path, b)));
    assert.ok(bodies.includes(await readFile(path, 'utf8')));
    assert.deepEqual(await readdir(layout.tmp), []);
  });
});
