// `npm audit --omit=dev`: no high or critical advisory in what the deployed code loads. Needs the registry, so it runs
// in `npm run test:reliability` only. When the registry does not answer the audit endpoint, the check is reported as
// NOT RUN (skipped, with the registry's answer), never as passed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { recordSuite } from './support/results';

interface AuditReport {
  metadata?: { vulnerabilities?: Record<string, number> };
  vulnerabilities?: Record<string, { severity: string; via: unknown[]; fixAvailable: unknown }>;
  message?: string;
  statusCode?: number;
}

describe('reliability: security: npm audit (production dependencies)', () => {
  it('reports no high or critical advisory', function () {
    const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], {
      cwd: join(__dirname, '../..'),
      encoding: 'utf8',
      timeout: 120_000,
    });
    let report: AuditReport;
    try {
      report = JSON.parse(run.stdout) as AuditReport;
    } catch {
      report = { message: (run.stderr || run.stdout).slice(0, 200) };
    }
    const counts = report.metadata?.vulnerabilities;
    if (!counts) {
      const status = report.statusCode === undefined ? '' : `HTTP ${report.statusCode}: `;
      const why = `not run: the registry did not give an audit report (${status}${report.message ?? 'no output'})`;
      recordSuite({ suite: 'security: npm audit', cases: 0, outcomes: { 'NOT RUN': 1 }, notes: why });
      console.log(`      npm audit ${why}`);
      this.skip();
    }
    const high = Object.entries(report.vulnerabilities ?? {}).filter(([, v]) =>
      ['high', 'critical'].includes(v.severity),
    );
    recordSuite({
      suite: 'security: npm audit',
      cases: 1,
      outcomes: counts,
      notes: high.map(([name, v]) => `${name} (${v.severity})`).join(', ') || undefined,
    });
    console.log(`      npm audit --omit=dev: ${JSON.stringify(counts)}`);
    assert.deepEqual(
      high.map(([name, v]) => `${name}: ${v.severity}`),
      [],
    );
  });
});
