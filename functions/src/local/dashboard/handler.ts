// The dashboard over HTTP: a Node request listener the local stack mounts on its control server (behind the server's
// Host-header check, which keeps DNS-rebinding pages out). Thin: it reads through its deps, builds the view model and
// renders. Routes: GET|HEAD / (the dashboard), GET|HEAD /runs/<runId>/report (that run's report.html),
// GET|HEAD /runs/<runId>/predictions (a scoring run's predictions CSV, as a download); any other path 404, any other
// method 405.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isRunId } from '../../pipeline/run-id';
import type { RunRecord } from '../../pipeline/run-record';
import type { EndpointState } from '../../ports';
import { dashboardView } from './model';
import { DASHBOARD_CSP, renderDashboard } from './render';

export interface DashboardDeps {
  /** Every run record in the ledger (any order). */
  listRuns(): Promise<RunRecord[]>;
  /** The endpoint as it is now: deployed models and traffic split. */
  endpointState(): Promise<EndpointState>;
  /** The run's HTML report, or undefined when there is no such run or it has no report yet. */
  readReport(runId: string): Promise<Buffer | string | undefined>;
  /** A scoring run's predictions file and its name, or undefined when there is no such run or file yet. */
  readPredictions(runId: string): Promise<{ data: Buffer; fileName: string } | undefined>;
  now?: () => Date;
  /** Seconds between the page's automatic reloads (meta refresh); 0 = never. Default 10. */
  refreshSeconds?: number;
}

export type DashboardListener = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

const RUN_ROUTE = /^\/runs\/([^/]+)\/(report|predictions)$/;

/** Whether a path is one of the dashboard's, so a server with other routes can hand just these over. */
export function isDashboardPath(pathname: string): boolean {
  return pathname === '/' || RUN_ROUTE.test(pathname);
}

/** The run id in `/runs/<id>/report` or `/runs/<id>/predictions`, if it is one. */
function routeRunId(pathname: string): string | undefined {
  const raw = RUN_ROUTE.exec(pathname)?.[1];
  if (raw === undefined) return undefined;
  try {
    const id = decodeURIComponent(raw);
    return isRunId(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  // The meta tag in the page says the same; the header also forbids framing (a meta tag cannot).
  'content-security-policy': `${DASHBOARD_CSP}; frame-ancestors 'none'`,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

function send(req: IncomingMessage, res: ServerResponse, status: number, body: Buffer | string, html: boolean): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const headers = html
    ? HTML_HEADERS
    : { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };
  res.writeHead(status, { ...headers, 'content-length': bytes.length });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

export function dashboardHandler(deps: DashboardDeps): DashboardListener {
  const refreshSeconds = deps.refreshSeconds ?? 10;
  return async (req, res) => {
    try {
      const { pathname } = new URL(req.url ?? '/', 'http://dashboard');
      if (!isDashboardPath(pathname)) return send(req, res, 404, `no dashboard page at ${pathname}\n`, false);
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        return send(req, res, 405, `${req.method} is not allowed here: GET or HEAD\n`, false);
      }
      if (pathname === '/') {
        const [runs, endpoint] = await Promise.all([deps.listRuns(), deps.endpointState()]);
        const view = dashboardView(runs, endpoint, deps.now?.() ?? new Date());
        return send(req, res, 200, renderDashboard(view, { refreshSeconds }), true);
      }
      const runId = routeRunId(pathname);
      if (RUN_ROUTE.exec(pathname)?.[2] === 'predictions') {
        const file = runId === undefined ? undefined : await deps.readPredictions(runId);
        if (file === undefined) return send(req, res, 404, `no predictions for ${runId ?? 'that run'}\n`, false);
        res.writeHead(200, {
          'content-type': 'text/csv; charset=utf-8',
          // A download, named as in the bucket (the name quoted, only characters that need no escaping kept).
          'content-disposition': `attachment; filename="${file.fileName.replace(/[^\w.-]/g, '_')}"`,
          'x-content-type-options': 'nosniff',
          'cache-control': 'no-store',
          'content-length': file.data.length,
        });
        res.end(req.method === 'HEAD' ? undefined : file.data);
        return;
      }
      const report = runId === undefined ? undefined : await deps.readReport(runId);
      if (report === undefined) return send(req, res, 404, `no report for ${runId ?? 'that run'}\n`, false);
      return send(req, res, 200, report, true);
    } catch (err) {
      if (!res.headersSent) send(req, res, 500, `dashboard: ${(err as Error).message}\n`, false);
      else res.destroy();
    }
  };
}
