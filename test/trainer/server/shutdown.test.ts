import { EventEmitter } from 'node:events';
import sinon from 'sinon';
import { exitGracefullyOnSignals } from '../../../trainer/src/server/shutdown';
import { deferred } from './fake-predictor';

describe('graceful shutdown', () => {
  const log = () => ({ info: sinon.spy(), error: sinon.spy() });
  const fakeProcess = () => Object.assign(new EventEmitter(), { exit: sinon.spy() });

  it('closes the server on SIGTERM and exits 0 only once closing is done', async () => {
    const closing = deferred<void>();
    const close = sinon.stub().returns(closing.promise);
    const proc = fakeProcess();
    exitGracefullyOnSignals({ close, log: log(), process: proc });

    proc.emit('SIGTERM');
    proc.emit('SIGINT');
    sinon.assert.calledOnce(close);
    sinon.assert.notCalled(proc.exit);
    closing.resolve();
    await closing.promise;
    await new Promise(setImmediate);
    sinon.assert.calledOnceWithExactly(proc.exit, 0);
  });

  it('exits 1 when closing fails', async () => {
    const proc = fakeProcess();
    const logger = log();
    exitGracefullyOnSignals({ close: () => Promise.reject(new Error('boom')), log: logger, process: proc });
    proc.emit('SIGINT');
    await new Promise(setImmediate);
    sinon.assert.calledOnceWithExactly(proc.exit, 1);
    sinon.assert.calledOnce(logger.error);
  });

  it('exits 1 when in-flight requests do not finish in time', async () => {
    const clock = sinon.useFakeTimers();
    try {
      const proc = fakeProcess();
      exitGracefullyOnSignals({ close: () => new Promise(() => {}), log: log(), process: proc, timeoutMs: 500 });
      proc.emit('SIGTERM');
      clock.tick(499);
      sinon.assert.notCalled(proc.exit);
      clock.tick(1);
      sinon.assert.calledOnceWithExactly(proc.exit, 1);
    } finally {
      clock.restore();
    }
  });
});
