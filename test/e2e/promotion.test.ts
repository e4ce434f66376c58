// Promotion on the local stack, end to end: a good model is deployed; a worse one (trained on a copy of train.csv with
// the Survived column shuffled by a seeded PRNG) is HELD and the endpoint keeps serving the first; `promote <held run>`
// (the CLI's code path) deploys it anyway and predictions change to its figures; `rollback` gives the traffic back
// and the first model's predictions return. Each final run gets a cost estimate and report.html, which renders in
// headless Chromium without errors.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { operatorContext, promoteCommand, rollbackCommand } from '../../functions/src/cli/operator';
import { RunReader } from '../../functions/src/cli/runs';
import { writeStackInfo } from '../../functions/src/cli/stack-file';
import { localLayout, objectPath } from '../../functions/src/local/layout';
import { LocalObjectStore } from '../../functions/src/local/object-store';
import type { LocalModel } from '../../functions/src/local/model-registry-twin';
import { readJson } from '../../functions/src/local/json-objects';
import { ledgerTraffic } from '../../functions/src/pipeline/ledger-traffic';
import { TERMINAL_STATES, type RunRecord } from '../../functions/src/pipeline/run-record';
import { chromiumInstalled, startChromium } from '../functions/report/headless-chromium';
import { shuffledLabels } from './support/datasets';

const REPO = join(__dirname, '../..');
const PASSENGERS = [
  { Pclass: 1, Sex: 'female', Age: 29, Name: 'Allen, Miss. Elisabeth Walton', Fare: 211.3375, Embarked: 'S' },
  { Pclass: 3, Sex: 'male', Age: 40, Name: 'Doe, Mr. John', Fare: 7.25, Embarked: 'S' },
  { Pclass: 2, Sex: 'female', Age: 8, Name: 'Roe, Miss. Jane', Fare: 26, Embarked: 'C' },
  { Pclass: 3, Sex: 'male', Age: 22, Name: 'Poe, Master. Tom', Fare: 8.05, Embarked: 'Q' },
];

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 40_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('e2e: promotion — quality gate, promote, rollback, cost and report on the local stack', function () {
  this.timeout(120_000);
  let root = '';
  let child: ChildProcess | undefined;
  let predictUrl = '';
  let dropFolder = '';
  let store: LocalObjectStore;
  let runs: RunReader;

  const final = (r: RunRecord | undefined) => (r && TERMINAL_STATES.has(r.state) ? r : undefined);
  async function drop(content: string, as: string): Promise<RunRecord> {
    await writeFile(join(dropFolder, as), content);
    const info = await until(`${as} in the bucket`, () => store.stat('data', `datasets/${as}`));
    return until(`run for ${as}`, async () =>
      final((await runs.forDataset('data', `datasets/${as}`, info.generation)) as RunRecord | undefined),
    );
  }
  async function predict(): Promise<{ ids: string[]; probabilities: number[] }> {
    const res = await fetch(predictUrl, { method: 'POST', body: JSON.stringify({ instances: PASSENGERS }) });
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { predictions: { probability: number }[]; deployedModelId: string };
    return { ids: [body.deployedModelId], probabilities: body.predictions.map((p) => p.probability) };
  }
  const get = async (runId: string) => (await runs.get(runId)) as RunRecord;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'e2e-promotion-'));
    store = new LocalObjectStore(localLayout(root));
    runs = new RunReader(store, 'artifacts');
    child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'support/stack-process.ts'), root], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child?.stdout as NodeJS.ReadableStream }).once('line', resolve);
      child?.once('exit', (code) => reject(new Error(`stack exited with ${code}`)));
    });
    const info = JSON.parse(line) as { url: string; predictUrl: string; dropFolder: string };
    ({ predictUrl, dropFolder } = info);
    // What `vertex-retrain up` writes, so the CLI's operator commands find the running stack.
    await writeStackInfo(localLayout(root), { pid: child.pid as number, startedAt: new Date().toISOString(), ...info });
  });
  after(async () => {
    child?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    if (root) await rm(root, { recursive: true, force: true });
  });

  let good: RunRecord;
  let worse: RunRecord;
  let before1: { ids: string[]; probabilities: number[] };

  it('a worse model (shuffled labels) ends HELD with the comparison; the endpoint keeps serving the previous version', async () => {
    const csv = await readFile(join(REPO, 'trainer/data/train.csv'), 'utf8');
    good = await drop(csv, 'train.csv');
    assert.equal(good.state, 'DEPLOYED', JSON.stringify(good.errors));
    before1 = await predict();
    assert.deepEqual(before1.ids, [good.deploy?.deployedModelId]);

    const held = await drop(shuffledLabels(csv, 7), 'shuffled.csv');
    // A held version's evaluation is imported just after the run turns HELD (best effort): wait for it.
    worse = await until("the held run's evaluation", async () => {
      const r = (await runs.get(held.runId)) as RunRecord | undefined;
      return r?.evaluation ? r : undefined;
    });
    assert.equal(worse.state, 'HELD', JSON.stringify({ errors: worse.errors, gate: worse.gate }));
    assert.equal(worse.gate?.promote, false);
    // Like for like: the serving model scored on the held run's own hold-out (its shuffled labels), not its record.
    assert.equal(worse.gate?.comparison, 'like-for-like', JSON.stringify(worse.gate));
    assert.equal(typeof worse.gate?.serving, 'number');
    assert.notEqual(worse.gate?.serving, good.metrics?.accuracy);
    assert.ok((worse.gate?.candidate ?? 1) < (good.metrics?.accuracy ?? 0), JSON.stringify(worse.gate));
    assert.match(worse.gate?.reason ?? '', /accuracy/);
    // Registered under the parent model with its evaluation, but without the default alias.
    const model = await readJson<LocalModel>(store, 'local-cloud', 'models/local-model.json');
    const version = model?.versions.find((v) => v.runId === worse.runId);
    assert.ok(version, 'the held version is registered');
    assert.ok(!version.aliases.includes('default'));
    assert.equal(version.evaluations.length, 1);
    assert.deepEqual(worse.evaluation?.metrics, version.evaluations[0]?.metrics);
    assert.deepEqual(await predict(), before1, 'predictions unchanged');
  });

  it('promote <held run> deploys it as an override; predictions change to the promoted version', async () => {
    const ctx = await operatorContext({ env: 'local', dir: root });
    const line = await promoteCommand(ctx, worse.runId, { by: 'e2e-operator', timeoutMs: 40_000, everyMs: 100 });
    assert.match(line, /overridden by e2e-operator; deployment live/);
    const promoted = await get(worse.runId);
    assert.equal(promoted.state, 'DEPLOYED');
    assert.equal(promoted.override?.by, 'e2e-operator');
    const after = await predict();
    assert.deepEqual(after.ids, [promoted.deploy?.deployedModelId]);
    assert.notDeepEqual(after.probabilities, before1.probabilities, 'the promoted model answers');
    const model = await readJson<LocalModel>(store, 'local-cloud', 'models/local-model.json');
    const version = model?.versions.find((v) => v.runId === worse.runId);
    assert.ok(version?.aliases.includes('default') && version.aliases.includes(`v${worse.training?.endpointVersion}`));
  });

  it('rollback restores the previous version in one traffic update, recorded on both runs', async () => {
    const ctx = await operatorContext({ env: 'local', dir: root });
    const line = await rollbackCommand(ctx, { by: 'e2e-operator', timeoutMs: 20_000, everyMs: 100 });
    assert.match(line, new RegExp(`run ${good.runId} serves again`));
    assert.deepEqual(await predict(), before1, 'the first model answers again, with the same probabilities');
    const [restored, rolledBack] = [await get(good.runId), await get(worse.runId)];
    for (const r of [restored, rolledBack]) {
      const c = r.deploy?.trafficChanges?.at(-1);
      assert.equal(c?.action, 'rollback');
      assert.equal(c?.to, good.runId);
      assert.equal(c?.from, worse.runId);
      assert.equal(c?.by, 'e2e-operator');
    }
    const traffic = ledgerTraffic((await runs.list()) as RunRecord[]);
    assert.deepEqual(traffic?.byRun, { [good.runId]: 100 }, 'the ledger says the first run serves');
  });

  it('each final run carries a cost estimate and a report.html that renders in headless Chromium', async function () {
    const both = await until('reports for both runs', async () => {
      const rs = [await get(good.runId), await get(worse.runId)];
      return rs.every((r) => r.report && r.report.of === r.updatedAt) ? rs : undefined;
    });
    for (const r of both) {
      assert.equal(r.report?.uri, `gs://artifacts/runs/${r.runId}/report.html`);
      assert.ok(r.cost && r.cost.basis.trainingSeconds > 0, JSON.stringify(r.cost));
      assert.equal(r.cost.retrieved, '2026-11-26');
    }
    if (!chromiumInstalled()) return this.skip();
    const html = await readFile(objectPath(localLayout(root), 'artifacts', `runs/${worse.runId}/report.html`), 'utf8');
    assert.match(html, /overridden: deployed by e2e-operator/);
    const browser = await startChromium();
    try {
      const { page, problems, requests } = await browser.load(html);
      assert.equal(await page.locator('header .badge').textContent(), 'DEPLOYED');
      const shot = await page.screenshot({ fullPage: true });
      assert.ok(shot.length > 20_000, `a screenshot with content (${shot.length} bytes)`);
      assert.ok((await page.locator('path.roc-curve').count()) === 1, 'the ROC curve from the real metrics.json');
      assert.deepEqual(problems, []);
      assert.deepEqual(requests, []);
    } finally {
      await browser.close();
    }
  });
});
