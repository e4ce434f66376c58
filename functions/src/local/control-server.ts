// The local stack's HTTP face, on 127.0.0.1: the twins' RPC surface for the function processes, and the
// endpoint's public predict URL, `POST /v1/projects/<p>/locations/<r>/endpoints/<id>:predict`, which applies the
// traffic split (a weighted choice per request) and forwards to the chosen replica's predict route; the answer
// carries `deployedModelId`, `model` and `modelVersionId` as Vertex's does.
//
// 127.0.0.1 is not private to this user: any web page the user opens can send requests to it, and a DNS-rebinding
// page can even read the answers. So every request must name this server in its Host header (a rebinding page's
// requests carry its own host name), and an RPC must also be `application/json` (a page cannot send that without a
// CORS preflight, which this server never grants) and carry the stack's random token, which only the function
// processes (through their environment) and the stack folder's owner (its control-token file) know.
import { timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDashboardPath, type DashboardListener } from './dashboard/handler';
import type { LocalEndpointService } from './endpoint-twin';
import { CONTROL_TOKEN_HEADER, RPC_METHODS } from './rpc';
import type { RpcService } from './rpc';
import type { ServingReplicas } from './serving-replicas';
import { pickDeployedModel } from './traffic';

/** Vertex's request size limit on a shared public endpoint. */
export const MAX_PREDICT_BYTES = 1.5 * 1024 * 1024;

const CLIENT_ERRORS = new Set([
  'InvalidRequestError',
  'NotFoundError',
  'PreconditionFailedError',
  'InvalidObjectNameError',
]);

export interface ControlServerDeps {
  services: Record<RpcService, object>;
  endpoint: LocalEndpointService;
  replicas: ServingReplicas;
  endpointId: string;
  /** The secret every RPC must carry in the CONTROL_TOKEN_HEADER header. */
  token: string;
  random?: () => number;
  /** The dashboard (GET / and each run's report), behind the Host check like every route. */
  dashboard?: DashboardListener;
}

export class ControlServer {
  private server: Server | undefined;
  /** The Host header values that name this server: `127.0.0.1:<port>`, `localhost:<port>`. */
  private hosts = new Set<string>();

  constructor(private readonly deps: ControlServerDeps) {}

  /** Listens on 127.0.0.1:`port` (0 = any free port); returns the base URL. */
  async listen(port: number, host = '127.0.0.1'): Promise<string> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => send(res, 500, { error: { name: 'Error', message: String(err) } }));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
    const bound = (server.address() as AddressInfo).port;
    this.hosts = new Set([`127.0.0.1:${bound}`, `localhost:${bound}`, `${host}:${bound}`]);
    return `http://${host}:${bound}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    if (!this.hosts.has((req.headers.host ?? '').toLowerCase())) {
      return send(res, 421, {
        error: {
          code: 421,
          message: `this server answers only to ${[...this.hosts].join(' or ')}`,
          status: 'MISDIRECTED',
        },
      });
    }
    const rpc = /^\/rpc\/([a-z]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (rpc && req.method === 'POST') return this.rpc(rpc[1] ?? '', rpc[2] ?? '', req, res);
    const predict = /^\/v1\/projects\/[^/]+\/locations\/[^/]+\/endpoints\/([^/:]+):predict$/.exec(url.pathname);
    if (predict && req.method === 'POST') return this.predict(predict[1] ?? '', req, res);
    const endpoint = /^\/v1\/projects\/[^/]+\/locations\/[^/]+\/endpoints\/([^/:]+)$/.exec(url.pathname);
    if (endpoint && req.method === 'GET' && endpoint[1] === this.deps.endpointId) {
      return send(res, 200, await this.deps.endpoint.getEndpoint());
    }
    if (url.pathname === '/healthz') return send(res, 200, { ok: true });
    if (this.deps.dashboard && isDashboardPath(url.pathname)) return this.deps.dashboard(req, res);
    send(res, 404, {
      error: { code: 404, message: `no route for ${req.method} ${url.pathname}`, status: 'NOT_FOUND' },
    });
  }

  private async rpc(service: string, method: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const allowed = (RPC_METHODS as Record<string, readonly string[]>)[service];
    const mediaType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (mediaType !== 'application/json') {
      return send(res, 415, { error: { name: 'Error', message: 'an RPC body must be content-type application/json' } });
    }
    if (!this.tokenMatches(req.headers[CONTROL_TOKEN_HEADER])) {
      return send(res, 403, {
        error: {
          name: 'Error',
          message: `missing or wrong ${CONTROL_TOKEN_HEADER}: RPCs come from the stack's functions`,
        },
      });
    }
    if (!allowed?.includes(method))
      return send(res, 404, { error: { name: 'Error', message: `no ${service}.${method}` } });
    let args: unknown[];
    try {
      const body = JSON.parse((await readBody(req, 10 * 1024 * 1024)).toString('utf8') || '{}') as { args?: unknown };
      if (body.args !== undefined && !Array.isArray(body.args)) throw new Error('args must be an array');
      args = body.args ?? [];
    } catch (err) {
      return send(res, 400, {
        error: { name: 'InvalidRequestError', message: `bad RPC body: ${(err as Error).message}` },
      });
    }
    const target = this.deps.services[service as RpcService] as Record<string, (...a: unknown[]) => Promise<unknown>>;
    try {
      const result = await target[method]?.(...args);
      send(res, 200, { result: result ?? null });
    } catch (err) {
      const { name = 'Error', message = String(err) } = err as Error;
      send(res, CLIENT_ERRORS.has(name) ? 400 : 500, { error: { name, message } });
    }
  }

  private tokenMatches(given: string | string[] | undefined): boolean {
    if (typeof given !== 'string') return false;
    const a = Buffer.from(given);
    const b = Buffer.from(this.deps.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private async predict(endpointId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (endpointId !== this.deps.endpointId) {
      return send(res, 404, { error: { code: 404, message: `endpoint ${endpointId} not found`, status: 'NOT_FOUND' } });
    }
    let body: Buffer;
    try {
      body = await readBody(req, MAX_PREDICT_BYTES);
    } catch {
      return send(res, 413, {
        error: { code: 413, message: 'request larger than 1.5 MB', status: 'INVALID_ARGUMENT' },
      });
    }
    const endpoint = await this.deps.endpoint.describe();
    const id = pickDeployedModel(endpoint.trafficSplit, this.deps.random?.());
    const target = id && this.deps.replicas.predictUrl(id);
    if (!id || !target) {
      const message = id ? `deployed model ${id} is not ready` : 'no deployed model receives traffic';
      return send(res, 503, { error: { code: 503, message, status: 'UNAVAILABLE' } });
    }
    const upstream = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Uint8Array(body),
    });
    const text = await upstream.text();
    const deployed = endpoint.deployedModels.find((m) => m.id === id);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return send(res, 502, {
        error: { code: 502, message: `replica ${id} answered non-JSON: ${text.slice(0, 200)}` },
      });
    }
    if (!upstream.ok) return send(res, upstream.status, json);
    send(res, 200, {
      ...(json as object),
      deployedModelId: id,
      model: deployed?.model,
      modelVersionId: deployed?.modelVersionId,
    });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
