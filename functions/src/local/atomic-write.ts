// The local stack's one way to replace a file: write a temporary file in the layout's tmp folder (on the same file
// system as the rest of the stack, so the rename is atomic), then rename it into place. A reader in any process sees
// the old file or the new one, never half of one; a crash leaves at most a stray temporary file.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LocalLayout } from './layout';

/** Writes `data` to `path` atomically, creating the folders it needs. */
export async function writeFileAtomic(
  layout: Pick<LocalLayout, 'tmp'>,
  path: string,
  data: string | Buffer,
): Promise<void> {
  await mkdir(layout.tmp, { recursive: true });
  const tmp = join(layout.tmp, `${process.pid}-${randomBytes(6).toString('hex')}`);
  await writeFile(tmp, data);
  await mkdir(dirname(path), { recursive: true });
  await rename(tmp, path);
}
