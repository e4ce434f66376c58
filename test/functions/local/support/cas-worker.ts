// Child process for the cross-process CAS test: increments a counter object `count` times with
// read → compare-and-swap write, retrying lost races, exactly as the ledger does.
import { PreconditionFailedError } from '../../../../functions/src/ports';
import { localLayout } from '../../../../functions/src/local/layout';
import { LocalObjectStore } from '../../../../functions/src/local/object-store';

async function main(): Promise<void> {
  const [root, countText] = process.argv.slice(2);
  const store = new LocalObjectStore(localLayout(root));
  for (let i = 0; i < Number(countText); i++) {
    for (;;) {
      const current = await store.read('state', 'counter.json');
      const value = current ? (JSON.parse(current.data.toString()) as number) : 0;
      try {
        await store.write('state', 'counter.json', JSON.stringify(value + 1), {
          ifGenerationMatch: current?.info.generation ?? '0',
        });
        break;
      } catch (err) {
        if (!(err instanceof PreconditionFailedError)) throw err;
      }
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
