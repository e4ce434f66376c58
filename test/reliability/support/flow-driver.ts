// Drives whole runs through the four functions (functions-framework test servers, in-memory fakes) the way the cloud
// would: every event is redelivered while the function answers non-2xx, up to a maximum attempt count, then put in a
// dead-letter list (Pub/Sub's dead-letter topic); Cloud Build announces each build, the training service finishes
// each training, the endpoint completes each deployment, and the scheduler ticks. The cloud's own behaviour goes
// straight to the fakes (never through the fault layer); only the functions' port calls can fail.
import { setPortsForTesting } from '../../../functions/src/backend';
import { createLogger } from '../../../functions/src/log';
import type { BuildResource } from '../../../functions/src/ports';
import { TERMINAL_STATES, type RunRecord } from '../../../functions/src/pipeline/run-record';
import { withFaults, type FaultOptions, type FaultyPorts } from '../../support/faults';
import {
  fakeValidator,
  pubsubEvent,
  successfulBuild,
  writeMetrics,
  type FunctionName,
  type Harness,
  type LogLine,
  type TestEvent,
} from '../../support/functions-harness';

export const FINAL_STATES: ReadonlySet<string> = TERMINAL_STATES;

interface Pending {
  fn: FunctionName;
  event: TestEvent;
  attempts: number;
}

export interface DriverOptions {
  /** Deliveries per event before it is dead-lettered. */
  maxAttempts: number;
  /** Seconds the clock moves per round (a redelivery backoff, a scheduler period). */
  secondsPerRound: number;
  /** Deliveries of each build and training notice the cloud sends (Pub/Sub's at-least-once). Default 1. */
  noticeCopies?: number;
}

export class FlowDriver {
  /** The fault layers, innermost first; `setFaults(false)` turns them all off. */
  readonly layers: FaultyPorts[] = [];
  readonly deadLetters: Pending[] = [];
  /** HTTP statuses of every delivery. */
  readonly statuses: Record<string, number> = {};
  private queue: Pending[] = [];
  private readonly announcedBuilds = new Set<string>();
  private readonly finishedTrainings = new Set<string>();
  private readonly completedDeploys = new Set<string>();
  private seenMessages = 0;

  constructor(
    readonly h: Harness,
    /** One or more fault layers, e.g. transient faults on every port and permanent ones on some. */
    faults: FaultOptions | FaultOptions[],
    private readonly opts: DriverOptions,
  ) {
    let ports = h.ports;
    for (const options of Array.isArray(faults) ? faults : [faults]) {
      const layer = withFaults(ports, options);
      this.layers.push(layer);
      ports = layer.ports;
    }
    const log = createLogger(h.config, { write: (line: string) => void h.logs.push(JSON.parse(line) as LogLine) });
    setPortsForTesting(ports, { config: h.config, log, validateDataset: fakeValidator });
  }

  setFaults(enabled: boolean): void {
    for (const layer of this.layers) layer.setEnabled(enabled);
  }

  /** Faults injected so far, over every layer. */
  faultCount(): number {
    return this.layers
      .map((l) => l.stats.totals().faults)
      .reduce((n, f) => n + f['transient-before'] + f['transient-after'] + f.permanent, 0);
  }

  enqueue(fn: FunctionName, event: TestEvent): void {
    this.queue.push({ fn, event, attempts: 0 });
  }

  /** One round: the cloud acts, a tick is queued, every queued event gets one more delivery, the clock moves on. */
  async round(): Promise<void> {
    await this.cloudActs();
    this.enqueue('onReconcileTick', pubsubEvent('reconcile', {}, this.at()));
    const due = this.queue;
    this.queue = [];
    const results = await Promise.all(due.map(async (p) => ({ p, status: await this.h.deliver(p.fn, p.event) })));
    for (const { p, status } of results) {
      this.statuses[String(status)] = (this.statuses[String(status)] ?? 0) + 1;
      if (status >= 200 && status < 300) continue;
      p.attempts++;
      if (p.attempts >= this.opts.maxAttempts) this.deadLetters.push(p);
      else this.queue.push(p);
    }
    this.h.clock.now = new Date(this.h.clock.now.getTime() + this.opts.secondsPerRound * 1000);
  }

  /** Moves the dead letters back into the queue with a fresh attempt budget (what `dead-letters --replay` does). */
  replayDeadLetters(): number {
    const n = this.deadLetters.length;
    for (const p of this.deadLetters.splice(0)) this.queue.push({ ...p, attempts: 0 });
    return n;
  }

  /** Every run record, read without faults. */
  async runs(): Promise<RunRecord[]> {
    return this.h.ledger.list();
  }

  private at(): string {
    return this.h.clock.now.toISOString();
  }

  /** What the cloud services do on their own between deliveries. */
  private async cloudActs(): Promise<void> {
    const { h } = this;
    for (const b of h.builds.started) {
      if (this.announcedBuilds.has(b.buildId)) continue;
      this.announcedBuilds.add(b.buildId);
      const notice = successfulBuild(h, b.runId, b.buildId, this.at());
      // The build itself says SUCCESS too (what the tick reads back once its notice is overdue or dead-lettered).
      const { data } = (notice.body as { message: { data: string } }).message;
      h.builds.resources.set(b.buildId, JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as BuildResource);
      for (let i = 0; i < (this.opts.noticeCopies ?? 1); i++) this.enqueue('onBuildStatus', notice);
    }
    for (const t of h.training.started) {
      if (this.finishedTrainings.has(t.name)) continue;
      this.finishedTrainings.add(t.name);
      h.training.finish(t.name, 'SUCCEEDED', String(this.finishedTrainings.size));
      await writeMetrics(h, t.runId, { accuracy: 0.8, rocAuc: 0.85, logLoss: 0.45 });
      const notice = pubsubEvent('training-events', { runId: t.runId, trainingName: t.name }, this.at());
      for (let i = 0; i < (this.opts.noticeCopies ?? 1); i++) this.enqueue('onTrainingStatus', notice);
    }
    for (const d of h.endpoint.deploys) {
      if (this.completedDeploys.has(d.operationName)) continue;
      this.completedDeploys.add(d.operationName);
      h.endpoint.completeDeploy(d.operationName);
    }
    // What the functions published (the reconciler's announcements) is delivered too.
    for (const m of h.publisher.messages.slice(this.seenMessages)) {
      if (m.topic === h.config.trainingEventsTopic)
        this.enqueue('onTrainingStatus', pubsubEvent(m.topic, m.data, this.at()));
    }
    this.seenMessages = h.publisher.messages.length;
  }
}

/** Side effects per run: how many builds, trainings and deployments each run got. */
export function effectsPerRun(h: Harness): Map<string, { builds: number; trainings: number; deploys: number }> {
  const per = new Map<string, { builds: number; trainings: number; deploys: number }>();
  const of = (runId: string) =>
    per.get(runId) ??
    (per.set(runId, { builds: 0, trainings: 0, deploys: 0 }).get(runId) as {
      builds: number;
      trainings: number;
      deploys: number;
    });
  for (const b of h.builds.started) of(b.runId).builds++;
  for (const t of h.training.started) of(t.runId).trainings++;
  for (const d of h.endpoint.deploys) of(d.runId).deploys++;
  return per;
}
