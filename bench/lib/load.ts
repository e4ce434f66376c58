// Load with autocannon: request rate and exact latency percentiles (autocannon's own histogram keeps whole
// milliseconds, too coarse for a 2 ms target, so latencies are collected from its response events).
import autocannon from 'autocannon';

export interface LoadFigures {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Requests that failed or did not answer 2xx: any is a broken run. */
  failures: number;
}

export interface LoadCase {
  url: string;
  body: string;
  connections: number;
}

/** Accumulates several slices of load on one target (slices of different targets are interleaved by the caller). */
export class LoadRecorder {
  private readonly latencies: number[] = [];
  private requests = 0;
  private seconds = 0;
  private failures = 0;

  constructor(private readonly target: LoadCase) {}

  private options(durationS: number) {
    const { url, body, connections } = this.target;
    return {
      url,
      body,
      connections,
      duration: durationS,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    };
  }

  /** JIT and connection set-up: not recorded. */
  async warmUp(durationS = 1): Promise<void> {
    await autocannon(this.options(durationS));
  }

  async slice(durationS: number): Promise<void> {
    const run = autocannon(this.options(durationS));
    run.on('response', (_client: unknown, statusCode: number, _bytes: number, ms: number) => {
      if (statusCode >= 200 && statusCode < 300) this.latencies.push(ms);
    });
    const result = await run;
    this.requests += result.requests.total;
    this.seconds += result.duration;
    this.failures += result.errors + result.timeouts + result.non2xx;
  }

  figures(): LoadFigures {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
    return { reqPerSec: this.requests / this.seconds, p50Ms: at(0.5), p99Ms: at(0.99), failures: this.failures };
  }
}
