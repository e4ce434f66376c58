// A stand-in stack for child-process.test.ts: starts one supervised program (a shell that writes its pid to argv[3],
// then sleeps), prints "ready" once the pid is written, and waits to be killed.
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnCommand } from '../../../../functions/src/local/child-process';
import { localLayout } from '../../../../functions/src/local/layout';

async function main(): Promise<void> {
  const [root = '', pidFile = ''] = process.argv.slice(2);
  const layout = localLayout(root);
  await spawnCommand(layout, {
    command: ['/bin/sh', '-c', `echo $$ > '${pidFile}'; exec sleep 120`],
    cwd: root,
    env: {},
    logFile: `${root}/supervised.log`,
  });
  while (!existsSync(pidFile)) await sleep(20);
  process.stdout.write('ready\n');
  setInterval(() => undefined, 1000);
}

void main();
