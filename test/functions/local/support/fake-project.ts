// A throwaway project holding the fake trainer at the paths the image builder expects (trainer/src/{main,serve}.ts).
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function fakeProject(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fake-project-'));
  await mkdir(join(dir, 'trainer', 'src'), { recursive: true });
  await writeFile(join(dir, 'package-lock.json'), '{"lockfileVersion":3}');
  for (const file of ['main.ts', 'serve.ts']) {
    await copyFile(join(__dirname, 'fake-trainer', file), join(dir, 'trainer', 'src', file));
  }
  return dir;
}

export const FAKE_IMAGE_COMMANDS = {
  entrypoint: ['node', 'dist/trainer/src/main.js'],
  servingCommand: ['node', 'dist/trainer/src/serve.js'],
};
