// The prediction server under fuzzing, alone in its own process (started with --expose-gc) so its memory can be
// measured without the client's buffers: the real server factory around the real trained model, on 127.0.0.1.
// Protocol over IPC: it sends {url} once listening; on 'probe' it collects garbage and answers with its memory and
// whether Object.prototype was polluted; on 'close' it closes the server and exits.
import { createPredictionServer } from '../../../trainer/src/server/prediction-server';
import { trainedPredictor } from './trained-model';

/** What the child answers to 'probe'. */
export interface ServerProbe {
  rss: number;
  heapUsed: number;
  /** Own keys Object.prototype gained since start: a `__proto__` body that polluted it would show here. */
  prototypeKeys: string[];
  /** Errors the server logged as unexpected (each was a 500). */
  unexpected: number;
}

const baselineKeys = new Set(Object.getOwnPropertyNames(Object.prototype));
let unexpected = 0;
const server = createPredictionServer({
  loadPredictor: async () => trainedPredictor(),
  logger: {
    info() {},
    error(obj, msg) {
      unexpected++;
      process.stderr.write(`server error: ${msg} ${String((obj as { err?: Error }).err?.stack)}\n`);
    },
  },
});

const send = (message: unknown) => process.send?.(message);

void server.loaded.then(async (state) => {
  if (state.status !== 'ready') throw new Error(`model did not load: ${state.status}`);
  send({ url: await server.listen({ port: 0, host: '127.0.0.1' }) });
});

process.on('message', (message: string) => {
  if (message === 'probe') {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).filter((k) => !baselineKeys.has(k));
    send({ rss, heapUsed, prototypeKeys, unexpected } satisfies ServerProbe);
  } else if (message === 'close') {
    void server.close().then(() => process.exit(0));
  }
});
