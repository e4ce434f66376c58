// The Pub/Sub + Eventarc twin. Triggers route events to function servers over HTTP like push subscriptions:
// at-least-once, retried with exponential backoff while the function answers non-2xx (or is unreachable), and
// after maxAttempts moved to `dead-letters/<trigger>/` with the event and the last error. Every undelivered
// event is a file under `queue/<trigger>/` until acknowledged, so a crash loses nothing: start() redelivers.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { messagePublishedEvent, PUBSUB_PUBLISHED, toBinaryHttp } from './cloud-events';
import type { LocalCloudEvent } from './cloud-events';
import type { LocalLayout } from './layout';
import { atomicWriteJson, readJsonFile } from './queue-files';

/** Where an Eventarc-like trigger sends which events. */
export interface Trigger {
  /** Also the push subscription's name and the queue folder's. */
  name: string;
  eventType: string;
  /** For Pub/Sub triggers: the topic. */
  topic?: string;
  /** For storage triggers: the bucket. */
  bucket?: string;
  /** The function server's URL; undefined while it is not running (the attempt then fails and is retried). */
  destination: () => string | undefined;
}

export interface RouterOptions {
  maxAttempts: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  /** Deliveries in flight per trigger. */
  concurrency: number;
  /** Per delivery; Eventarc's is the function's timeout. */
  timeoutMs: number;
  /** How often to look for files put in the queue by others (dead-letter replay). */
  scanIntervalMs: number;
}

export const DEFAULT_ROUTER_OPTIONS: RouterOptions = {
  maxAttempts: 6,
  minBackoffMs: 200,
  maxBackoffMs: 3_000,
  concurrency: 8,
  timeoutMs: 60_000,
  scanIntervalMs: 1_000,
};

/** A queued delivery, as persisted. */
export interface Delivery {
  id: string;
  trigger: string;
  event: LocalCloudEvent;
  attempts: number;
  /** Epoch ms. */
  notBefore: number;
  lastError?: string;
}

/** A delivery that exhausted its attempts. */
export interface DeadLetter extends Delivery {
  deadLetteredAt: string;
}

type RouterLog = (msg: string, fields?: Record<string, unknown>) => void;

export class EventRouter {
  private readonly triggers = new Map<string, Trigger>();
  private readonly pending = new Map<string, Delivery>();
  private readonly inFlight = new Map<string, number>();
  private readonly busy = new Set<string>();
  private readonly active = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private scanTimer: NodeJS.Timeout | undefined;
  private running = false;
  private seq = 0;
  private readonly opts: RouterOptions;

  constructor(
    private readonly layout: LocalLayout,
    opts: Partial<RouterOptions> = {},
    private readonly log: RouterLog = () => undefined,
  ) {
    this.opts = { ...DEFAULT_ROUTER_OPTIONS, ...opts };
  }

  addTrigger(trigger: Trigger): void {
    this.triggers.set(trigger.name, trigger);
  }

  /** Publishes on a topic: one messagePublished event per trigger on it. Persisted before it returns. */
  async publish(topic: string, data: Buffer | string, attributes: Record<string, string> = {}): Promise<string> {
    // Numeric like Pub/Sub's, increasing, unique across restarts of this process.
    const messageId = String(BigInt(Date.now()) * 1_000_000n + BigInt(this.seq++ % 1_000_000));
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    const time = new Date().toISOString();
    for (const trigger of this.triggers.values()) {
      if (trigger.eventType !== PUBSUB_PUBLISHED || trigger.topic !== topic) continue;
      await this.enqueue(trigger.name, messagePublishedEvent(topic, trigger.name, messageId, bytes, attributes, time));
    }
    return messageId;
  }

  /** Routes a direct event (e.g. storage finalize) to every trigger matching its type and bucket. */
  async dispatch(event: LocalCloudEvent, bucket?: string): Promise<number> {
    let count = 0;
    for (const trigger of this.triggers.values()) {
      if (trigger.eventType !== event.type || (trigger.bucket !== undefined && trigger.bucket !== bucket)) continue;
      await this.enqueue(trigger.name, event);
      count++;
    }
    return count;
  }

  /** Loads the persisted queue (redelivery after a crash) and starts delivering. */
  async start(): Promise<void> {
    this.running = true;
    await this.scanQueue();
    this.scanTimer = setInterval(() => void this.scanQueue().catch(() => undefined), this.opts.scanIntervalMs);
    this.scanTimer.unref();
    this.pump();
  }

  /** Stops delivering and waits for deliveries in flight; queued events stay on disk. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    clearInterval(this.scanTimer);
    await Promise.allSettled([...this.active]);
  }

  /** Events for one trigger not yet acknowledged or dead-lettered. */
  backlogFor(trigger: string): number {
    let n = 0;
    for (const delivery of this.pending.values()) if (delivery.trigger === trigger) n++;
    return n;
  }

  /** Number of events not yet acknowledged or dead-lettered. */
  get backlog(): number {
    return this.pending.size;
  }

  private async enqueue(triggerName: string, event: LocalCloudEvent): Promise<void> {
    const delivery: Delivery = {
      id: `${safe(event.id)}-${randomBytes(3).toString('hex')}`,
      trigger: triggerName,
      event,
      attempts: 0,
      notBefore: Date.now(),
    };
    await this.persist(delivery);
    this.pending.set(delivery.id, delivery);
    this.pump();
  }

  private async scanQueue(): Promise<void> {
    for (const trigger of await readdir(this.layout.queue).catch(() => [] as string[])) {
      for (const file of await readdir(join(this.layout.queue, trigger)).catch(() => [] as string[])) {
        if (!file.endsWith('.json')) continue;
        const id = file.slice(0, -'.json'.length);
        if (this.pending.has(id)) continue;
        const delivery = await readJsonFile<Delivery>(join(this.layout.queue, trigger, file));
        if (delivery && delivery.id === id) this.pending.set(id, delivery);
      }
    }
    this.pump();
  }

  /** Starts every delivery that is due and has capacity; sleeps until the next one is due. */
  private pump(): void {
    if (!this.running) return;
    clearTimeout(this.timer);
    const now = Date.now();
    let next = Infinity;
    for (const delivery of this.pending.values()) {
      if (this.busy.has(delivery.id)) continue;
      if (delivery.notBefore > now) {
        next = Math.min(next, delivery.notBefore);
        continue;
      }
      const inFlight = this.inFlight.get(delivery.trigger) ?? 0;
      if (inFlight >= this.opts.concurrency) continue;
      this.inFlight.set(delivery.trigger, inFlight + 1);
      this.busy.add(delivery.id);
      const task = this.attempt(delivery).finally(() => {
        this.busy.delete(delivery.id);
        this.inFlight.set(delivery.trigger, (this.inFlight.get(delivery.trigger) ?? 1) - 1);
        this.active.delete(task);
        this.pump();
      });
      this.active.add(task);
    }
    if (next !== Infinity) this.timer = setTimeout(() => this.pump(), Math.max(0, next - Date.now()));
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const trigger = this.triggers.get(delivery.trigger);
    delivery.attempts++;
    const error = trigger ? await this.post(trigger, delivery.event) : `no trigger named ${delivery.trigger}`;
    if (error === undefined) {
      // Unlink before forgetting, so a queue scan in between cannot resurrect the delivery.
      await unlink(this.queuePath(delivery)).catch(() => undefined);
      this.pending.delete(delivery.id);
      this.log('event delivered', { trigger: delivery.trigger, id: delivery.event.id, attempts: delivery.attempts });
      return;
    }
    delivery.lastError = error;
    if (delivery.attempts >= this.opts.maxAttempts) {
      await this.deadLetter(delivery);
      return;
    }
    const backoff = Math.min(this.opts.maxBackoffMs, this.opts.minBackoffMs * 2 ** (delivery.attempts - 1));
    delivery.notBefore = Date.now() + backoff * (0.8 + 0.4 * Math.random());
    this.log('event delivery failed, will retry', { trigger: delivery.trigger, attempts: delivery.attempts, error });
    await this.persist(delivery);
  }

  /** One HTTP attempt; undefined on a 2xx, else the reason. */
  private async post(trigger: Trigger, event: LocalCloudEvent): Promise<string | undefined> {
    const url = trigger.destination();
    if (!url) return `function for trigger ${trigger.name} is not running`;
    const { headers, body } = toBinaryHttp(event);
    try {
      const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.opts.timeoutMs) });
      const text = await res.text();
      if (res.ok) return undefined;
      return `HTTP ${res.status}${text ? `: ${text.slice(0, 500)}` : ''}`;
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      return `${(err as Error).message}${cause ? ` (${cause})` : ''}`;
    }
  }

  private async deadLetter(delivery: Delivery): Promise<void> {
    const letter: DeadLetter = { ...delivery, deadLetteredAt: new Date().toISOString() };
    const dir = join(this.layout.deadLetters, delivery.trigger);
    await mkdir(dir, { recursive: true });
    await atomicWriteJson(this.layout, join(dir, `${delivery.id}.json`), letter);
    await unlink(this.queuePath(delivery)).catch(() => undefined);
    this.pending.delete(delivery.id);
    this.log('event dead-lettered', { trigger: delivery.trigger, id: delivery.event.id, error: delivery.lastError });
  }

  private queuePath(delivery: Delivery): string {
    return join(this.layout.queue, delivery.trigger, `${delivery.id}.json`);
  }

  private async persist(delivery: Delivery): Promise<void> {
    await mkdir(join(this.layout.queue, delivery.trigger), { recursive: true });
    await atomicWriteJson(this.layout, this.queuePath(delivery), delivery);
  }
}

/** Event ids become file names: keep them short and path-free. */
function safe(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_').slice(-80);
}
