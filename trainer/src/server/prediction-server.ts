// The Vertex AI custom prediction server (contract: health GET route, predict POST route, JSON in and out),
// built as a factory around an injected predictor loader so tests can serve a fake model and the CLI the real one.
//
// Plain node:http rather than fastify: measured by `npm run bench` on the 2-core target, loading fastify alone took
// ~100 ms and ~20 MB, which put start → healthy above the 200 ms target and RSS under load above 80 MB; the two
// routes need no framework (see bench/README.md for the figures).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InstanceError, UnknownFieldError, type Predictor } from '../predictor';
import { readBody } from './read-body';
import { BadRequestError, instancesOf } from './request-body';

/** Vertex's limit for a request on a shared public endpoint is 1.5 MB; anything larger gets 413. */
export const MAX_BODY_BYTES = 1.5 * 1024 * 1024;

/**
 * After a 413, the rest of the body is read and discarded for at most this long before the connection is cut.
 * Closing at once, with request bytes still coming, makes TCP reset the connection, and the client may lose the 413
 * before reading it (measured: 11 of 30 clients sending 5 MB with Content-Length saw EPIPE instead of 413; RFC 9112
 * §9.6 asks for this staged close). Bounded so a client cannot hold a connection open with an endless body.
 */
export const LINGER_AFTER_413_MS = 5_000;

/** Idle keep-alive connections stay open longer than a fronting proxy's idle timeout, so the proxy closes first. */
const KEEP_ALIVE_TIMEOUT_MS = 72_000;

/** The subset of a pino logger the server uses (load result and unexpected errors only: nothing per request). */
export interface ServerLogger {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Where the model is: the health route answers 200 only in `ready`. */
export type ModelState =
  { status: 'loading' } | { status: 'ready'; predictor: Predictor } | { status: 'failed'; error: Error };

export interface PredictionServerOptions {
  /** Loads the model; called once, when the server is created. */
  loadPredictor: () => Promise<Predictor>;
  /** Path answering GET and HEAD (Vertex: AIP_HEALTH_ROUTE). Default `/health`. */
  healthRoute?: string;
  /** Path answering POST (Vertex: AIP_PREDICT_ROUTE). Default `/predict`. */
  predictRoute?: string;
  logger?: ServerLogger;
  /** Larger bodies get 413. Default MAX_BODY_BYTES. */
  bodyLimit?: number;
  /** How long the rest of a too-large body is discarded before the connection is cut. Default LINGER_AFTER_413_MS. */
  lingerMs?: number;
}

export interface PredictionServer {
  readonly server: Server;
  state(): ModelState;
  /** Settles when loading ends, with the final state; never rejects (a failed load is the `failed` state). */
  readonly loaded: Promise<ModelState>;
  /** Starts listening; resolves with the URL. */
  listen(options: { port: number; host: string }): Promise<string>;
  /** Stops accepting connections, answers 503 to new requests and waits for in-flight ones. */
  close(): Promise<void>;
}

/** The body of every error response. */
export interface ErrorBody {
  error: ErrorDetail;
}

/** Where a 400 is: the instance and field, and for unknown fields all of them and the columns the model expects. */
export interface ErrorDetail {
  message: string;
  index?: number;
  field?: string;
  unknownFields?: readonly string[];
  expectedFields?: readonly string[];
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const silentLogger: ServerLogger = { info() {}, error() {} };

export function createPredictionServer(options: PredictionServerOptions): PredictionServer {
  const healthRoute = options.healthRoute ?? '/health';
  const predictRoute = options.predictRoute ?? '/predict';
  const bodyLimit = options.bodyLimit ?? MAX_BODY_BYTES;
  const lingerMs = options.lingerMs ?? LINGER_AFTER_413_MS;
  const log = options.logger ?? silentLogger;
  let closing = false;

  let state: ModelState = { status: 'loading' };
  const loaded = loadOnce(options.loadPredictor, log).then((s) => (state = s));

  const health: Handler = (_req, res) => {
    if (state.status === 'ready') send(res, 200, { status: 'ready', model: state.predictor.info });
    else if (state.status === 'loading') send(res, 503, { status: 'loading' });
    else send(res, 503, { status: 'failed', error: { message: state.error.message } });
  };

  const predict: Handler = (req, res) => {
    if (state.status !== 'ready') return sendError(res, 503, `model is ${state.status}`);
    const { predictor } = state;
    readBody(req, bodyLimit, (tooLarge, text) => {
      if (closing) res.shouldKeepAlive = false; // closed while the body came in: answer, then let the connection go
      if (tooLarge) return send413(req, res, tooLarge.message, lingerMs);
      try {
        const instances = instancesOf(parseJson(text));
        const predictions = predictor.predict(instances);
        if (predictions.length !== instances.length) {
          throw new Error(`predictor returned ${predictions.length} predictions for ${instances.length} instances`);
        }
        send(res, 200, { predictions });
      } catch (err) {
        if (err instanceof UnknownFieldError) {
          const { index, field, unknownFields, expectedFields } = err;
          sendError(res, 400, err.message, { index, field, unknownFields, expectedFields });
        } else if (err instanceof InstanceError)
          sendError(res, 400, err.message, { index: err.index, field: err.field });
        else if (err instanceof BadRequestError) sendError(res, 400, err.message, { field: err.field });
        else unexpected(res, err, req);
      }
    });
  };

  const routes = new Map<string, Map<string, Handler>>();
  const on = (method: string, path: string, handler: Handler) => {
    if (!routes.has(path)) routes.set(path, new Map());
    routes.get(path)?.set(method, handler);
  };
  on('GET', healthRoute, health);
  on('HEAD', healthRoute, health);
  on('POST', predictRoute, predict);
  const allow = new Map([...routes].map(([path, byMethod]) => [path, [...byMethod.keys()].join(', ')]));

  const unexpected = (res: ServerResponse, err: unknown, req: IncomingMessage) => {
    // Not reachable from client input: a bug or a broken predictor. Logged with the stack; the client gets no detail.
    log.error({ err, method: req.method, url: req.url }, 'unexpected error while serving a request');
    if (!res.headersSent) sendError(res, 500, 'internal error');
  };

  const server = createServer((req, res) => {
    try {
      const url = req.url ?? '/';
      const query = url.indexOf('?');
      const path = query === -1 ? url : url.slice(0, query);
      const byMethod = routes.get(path);
      if (closing) {
        res.shouldKeepAlive = false;
        return sendError(res, 503, 'server is shutting down');
      }
      // Unknown path or method: answered without reading the body (node discards it), whatever the body is.
      if (!byMethod) return sendError(res, 404, `no route ${req.method} ${path}`);
      const handler = byMethod.get(req.method ?? '');
      if (!handler) {
        res.setHeader('allow', allow.get(path) as string);
        return sendError(res, 405, `${req.method} is not allowed on ${path}; use ${allow.get(path)}`);
      }
      handler(req, res);
    } catch (err) {
      unexpected(res, err, req);
    }
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;

  return {
    server,
    state: () => state,
    loaded,
    listen: ({ port, host }) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve(`http://${shownHost}:${address.port}`);
        });
      }),
    close: () =>
      new Promise((resolve, reject) => {
        closing = true;
        if (!server.listening) return resolve();
        // close() also drops idle keep-alive connections; busy ones end after their response (Connection: close).
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** JSON.parse with the two client mistakes told apart: nothing sent, and something that is not JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    if (text.trim() === '') throw new BadRequestError('request body is empty; expected {"instances": [...]}');
    throw new BadRequestError('request body is not valid JSON');
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
  });
  res.end(json);
}

function sendError(res: ServerResponse, status: number, message: string, where: Omit<ErrorDetail, 'message'> = {}) {
  const body: ErrorBody = { error: { message, ...where } };
  if (status === 503) res.setHeader('retry-after', '10');
  send(res, status, body);
}

/**
 * Sends the whole 413 at once but ends the exchange only when the rest of the body has been read and discarded, or
 * after lingerMs (then the connection is cut): ending it earlier would close a socket with bytes still coming in.
 */
function send413(req: IncomingMessage, res: ServerResponse, message: string, lingerMs: number): void {
  const json = JSON.stringify({ error: { message } } satisfies ErrorBody);
  res.writeHead(413, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
  res.write(json);
  if (req.complete) return void res.end();
  const cut = setTimeout(() => (res.end(), req.socket.destroy()), lingerMs);
  const finish = () => (clearTimeout(cut), res.end());
  req.once('end', finish).once('close', finish);
  req.resume(); // discard: nothing is kept
}

async function loadOnce(load: () => Promise<Predictor>, log: ServerLogger): Promise<ModelState> {
  const started = Date.now();
  try {
    const predictor = await load();
    log.info({ model: predictor.info, loadMs: Date.now() - started }, 'model loaded');
    return { status: 'ready', predictor };
  } catch (cause) {
    const error = cause instanceof Error ? cause : new Error(String(cause));
    log.error({ err: error }, 'model failed to load');
    return { status: 'failed', error };
  }
}
