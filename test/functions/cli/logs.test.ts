import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { localLogFiles, runLogs, vertexLogLines } from '../../../functions/src/cli/logs';
import { localLayout } from '../../../functions/src/local/layout';

describe('cli/logs', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'logs-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const line = (time: string, runId: string, msg: string) => JSON.stringify({ severity: 'INFO', time, runId, msg });
  const runOf = () => ({
    runId: 'train-abc',
    build: { id: 'b1', logUrl: pathToFileURL(join(root, 'logs/builds/b1.log')).href },
    training: { name: 'projects/p/locations/l/trainingPipelines/77' },
    deploy: { deployedModelId: '42' },
  });

  it("gathers the run's lines across the function logs in time order, and lists its build/training/serving logs", async () => {
    const layout = localLayout(root);
    const run = runOf();
    const fns = join(layout.logs, 'functions');
    await mkdir(fns, { recursive: true });
    await writeFile(
      join(fns, 'onDatasetFinalized.log'),
      [
        'Serving function...',
        line('2026-01-01T00:00:01Z', 'train-abc', 'build started'),
        line('2026-01-01T00:00:02Z', 'other-1', 'x'),
      ].join('\n'),
    );
    await writeFile(join(fns, 'onBuildStatus.log'), line('2026-01-01T00:00:03Z', 'train-abc', 'training started'));
    await writeFile(join(fns, 'onTrainingStatus.log'), line('2026-01-01T00:00:00Z', 'train-abc', 'early'));
    const lines = await runLogs.local(layout, run);
    const fnLines = lines.slice(0, lines.indexOf(''));
    assert.deepEqual(
      fnLines.map((l) => `${l.split(' ')[0]} ${(JSON.parse(l.slice(l.indexOf(' ') + 1)) as { msg: string }).msg}`),
      ['onTrainingStatus early', 'onDatasetFinalized build started', 'onBuildStatus training started'],
    );
    assert.deepEqual(localLogFiles(layout, run), [
      ['build log', join(root, 'logs/builds/b1.log')],
      ['training log', join(layout.logs, 'trainings', '77.log')],
      ['serving log', join(layout.logs, 'serving', '42.log')],
    ]);
  });

  it('says so when no function log names the run', async () => {
    const lines = await runLogs.local(localLayout(root), { runId: 'nope-1' });
    assert.match(lines[0] ?? '', /no function log line names run nope-1/);
  });

  it('on Vertex: the Cloud Logging filters for the function lines and the training job, with console links', () => {
    const text = vertexLogLines(runOf(), 'my-proj').join('\n');
    assert.match(text, /filter: jsonPayload\.runId="train-abc"/);
    assert.match(text, /filter: resource\.type="ml_job" AND resource\.labels\.job_id="77"/);
    assert.match(text, /https:\/\/console\.cloud\.google\.com\/logs\/query;query=.*\?project=my-proj/);
    assert.match(text, /build log:\n {2}file:/);
  });
});
