// The local stack in its own process, for the end-to-end test: the test can SIGKILL it mid-run like a crash.
// The function servers run the TypeScript sources (through tsx), so the test always exercises the current code.
// Prints one JSON line when ready; exits when the test process goes away. argv: <root> [dropStableMs|default]
// [trainerDir] (300 ms unless told: the tests copy whole files at once; `default` keeps the stack's own settle
// window; the trainer: the repository's default one unless told).
import { join } from 'node:path';
import { LocalStack } from '../../../functions/src/local/stack';

async function main(): Promise<void> {
  const root = process.argv[2] as string;
  const settle = process.argv[3] ?? '300';
  const trainerDir = process.argv[4];
  const repo = join(__dirname, '../../..');
  const stack = new LocalStack({
    root,
    port: 0,
    reconcileIntervalMs: 250,
    ...(trainerDir ? { trainerDir } : {}),
    ...(settle === 'default' ? {} : { dropStableMs: Number(settle) }),
    functionSource: join(repo, 'functions/src/local/function-entry.ts'),
    functionExecArgv: ['--import', 'tsx'],
    router: { minBackoffMs: 100, maxBackoffMs: 1000 },
  });
  await stack.start();
  process.stdout.write(
    `${JSON.stringify({ url: stack.url, predictUrl: stack.predictUrl, dropFolder: stack.dropFolder, scoringFolder: stack.scoringFolder })}\n`,
  );
  const stop = () => void stack.stop().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('disconnect', stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
