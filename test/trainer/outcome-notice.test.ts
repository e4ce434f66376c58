import assert from 'node:assert/strict';
import sinon from 'sinon';
import { sendTrainingNotice, type Publish } from '../../trainer/src/outcome-notice';

describe('trainer/outcome-notice', () => {
  const vars = { TRAINING_EVENTS_TOPIC: 'training-events' };

  it('publishes {runId, status} to TRAINING_EVENTS_TOPIC on Vertex', async () => {
    const publish = sinon.stub<Parameters<Publish>, ReturnType<Publish>>().resolves();
    const result = await sendTrainingNotice(
      { runId: 'r1', status: 'SUCCEEDED', endpointVersion: 3 },
      'vertex',
      vars,
      publish,
    );
    assert.equal(result, 'sent');
    sinon.assert.calledOnceWithExactly(publish, 'training-events', {
      runId: 'r1',
      status: 'SUCCEEDED',
      endpointVersion: 3,
    });
  });

  const skips: [string, Parameters<typeof sendTrainingNotice>[0], 'local' | 'vertex', NodeJS.ProcessEnv][] = [
    ['in local mode', { runId: 'r1', status: 'SUCCEEDED' }, 'local', vars],
    ['without a topic', { runId: 'r1', status: 'SUCCEEDED' }, 'vertex', {}],
    ['without a run id', { status: 'FAILED' }, 'vertex', vars],
  ];
  for (const [when, notice, env, given] of skips) {
    it(`does nothing ${when}`, async () => {
      const publish = sinon.stub<Parameters<Publish>, ReturnType<Publish>>().resolves();
      assert.equal(await sendTrainingNotice(notice, env, given, publish), 'skipped');
      sinon.assert.notCalled(publish);
    });
  }

  it('a failed publish is reported, not thrown: the reconciler catches up', async () => {
    const publish = sinon.stub<Parameters<Publish>, ReturnType<Publish>>().rejects(new Error('UNAVAILABLE'));
    const error = sinon.stub(console, 'error');
    try {
      assert.equal(await sendTrainingNotice({ runId: 'r1', status: 'FAILED' }, 'vertex', vars, publish), 'failed');
    } finally {
      error.restore();
    }
  });
});
