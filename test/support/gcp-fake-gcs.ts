// A minimal Cloud Storage JSON API server for the storage adapter tests: the real @google-cloud/storage client talks
// HTTP to it (apiEndpoint = this server, so no credentials are needed). It answers the calls the adapter makes and
// rejects query parameters and object-resource fields the JSON API does not document, so a misspelt precondition
// (which the real API would ignore) fails the test.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CRC32C } from '@google-cloud/storage';

// https://cloud.google.com/storage/docs/json_api/v1/objects/{get,insert,list} + standard query parameters.
const STANDARD = ['alt', 'fields', 'key', 'prettyPrint', 'quotaUser', 'userIp', 'userProject', 'projection'];
const QUERY_PARAMS: Record<string, string[]> = {
  get: [
    ...STANDARD,
    'generation',
    'ifGenerationMatch',
    'ifGenerationNotMatch',
    'ifMetagenerationMatch',
    'ifMetagenerationNotMatch',
    'softDeleted',
    'restoreToken',
  ],
  insert: [
    ...STANDARD,
    'uploadType',
    'name',
    'contentEncoding',
    'ifGenerationMatch',
    'ifGenerationNotMatch',
    'ifMetagenerationMatch',
    'ifMetagenerationNotMatch',
    'kmsKeyName',
    'predefinedAcl',
  ],
  list: [
    ...STANDARD,
    'delimiter',
    'endOffset',
    'includeTrailingDelimiter',
    'maxResults',
    'pageToken',
    'prefix',
    'startOffset',
    'versions',
    'matchGlob',
    'includeFoldersAsPrefixes',
    'softDeleted',
    'filter',
  ],
};
// Writable fields of the object resource (https://cloud.google.com/storage/docs/json_api/v1/objects#resource).
const WRITABLE_OBJECT_FIELDS = new Set([
  'name',
  'bucket',
  'contentType',
  'contentEncoding',
  'contentDisposition',
  'contentLanguage',
  'cacheControl',
  'metadata',
  'crc32c',
  'md5Hash',
  'customTime',
  'storageClass',
  'kmsKeyName',
  'acl',
  'temporaryHold',
  'eventBasedHold',
  'retention',
  'contexts',
]);

interface StoredObject {
  data: Buffer;
  generation: bigint;
  contentType: string;
  updated: string;
}

export interface GcsRequest {
  method: string;
  operation: 'get' | 'media' | 'insert' | 'list';
  bucket: string;
  object?: string;
  query: Record<string, string>;
  /** Object resource sent with an upload. */
  resource?: Record<string, unknown>;
}

export class FakeGcs {
  readonly objects = new Map<string, StoredObject>();
  readonly requests: GcsRequest[] = [];
  /** Schema violations seen (also answered with HTTP 400). */
  readonly violations: string[] = [];
  /** Objects per list page, so pagination is exercised. */
  pageSize = 2;
  /** Called before each media download; lets a test overwrite the object mid-read. */
  beforeMedia?: (bucket: string, name: string) => void;
  private nextGeneration = 1732600000000123n; // microseconds since the epoch, as real generations are
  private server?: Server;

  put(bucket: string, name: string, data: Buffer | string, contentType = 'application/octet-stream'): string {
    const generation = this.nextGeneration++;
    this.objects.set(`${bucket}/${name}`, {
      data: Buffer.from(data),
      generation,
      contentType,
      updated: new Date().toISOString(),
    });
    return String(generation);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req)
        .then(({ status, body, type }) => {
          res.writeHead(status, { 'content-type': type ?? 'application/json' });
          res.end(body);
        })
        .catch((err: Error) => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 500, message: err.message } }));
        });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server?.close(() => resolve()));
    // An upload whose source failed is left open by the client (its body never ends): cut it.
    this.server?.closeAllConnections();
    await closed;
  }

  private resource(bucket: string, name: string, o: StoredObject) {
    return {
      kind: 'storage#object',
      id: `${bucket}/${name}/${o.generation}`,
      bucket,
      name,
      generation: String(o.generation),
      metageneration: '1',
      size: String(o.data.length),
      md5Hash: createHash('md5').update(o.data).digest('base64'),
      crc32c: crc32c(o.data),
      contentType: o.contentType,
      updated: o.updated,
    };
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: string | Buffer; type?: string }> {
    const url = new URL(req.url ?? '/', 'http://x');
    const query = Object.fromEntries(url.searchParams);
    const error = (status: number, message: string) => ({
      status,
      body: JSON.stringify({ error: { code: status, message } }),
    });
    const objectPath = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(url.pathname);
    const listPath = /^\/storage\/v1\/b\/([^/]+)\/o\/?$/.exec(url.pathname);
    const uploadPath = /^\/upload\/storage\/v1\/b\/([^/]+)\/o\/?$/.exec(url.pathname);
    const body = await readBody(req);
    let request: GcsRequest;
    if (req.method === 'GET' && objectPath) {
      const operation = query.alt === 'media' ? 'media' : 'get';
      request = {
        method: 'GET',
        operation,
        bucket: decodeURIComponent(objectPath[1]!),
        object: decodeURIComponent(objectPath[2]!),
        query,
      };
    } else if (req.method === 'GET' && listPath) {
      request = { method: 'GET', operation: 'list', bucket: decodeURIComponent(listPath[1]!), query };
    } else if (req.method === 'POST' && uploadPath) {
      const parts = parseMultipart(body, String(req.headers['content-type']));
      const resource = JSON.parse(parts[0]!.toString('utf8')) as Record<string, unknown>;
      request = {
        method: 'POST',
        operation: 'insert',
        bucket: decodeURIComponent(uploadPath[1]!),
        object: String(resource.name ?? query.name),
        query,
        resource,
      };
      (request as GcsRequest & { media?: Buffer }).media = parts[1];
    } else {
      return error(400, `unexpected ${req.method} ${url.pathname}`);
    }
    this.requests.push(request);
    const problems = this.schemaProblems(request);
    if (problems.length) {
      this.violations.push(...problems);
      return error(400, problems.join('; '));
    }
    return this.answer(request, error);
  }

  private schemaProblems(r: GcsRequest): string[] {
    const allowed = QUERY_PARAMS[r.operation === 'media' ? 'get' : r.operation]!;
    const problems = Object.keys(r.query)
      .filter((k) => !allowed.includes(k))
      .map((k) => `unknown query parameter ${k} for objects.${r.operation}`);
    for (const k of Object.keys(r.resource ?? {}))
      if (!WRITABLE_OBJECT_FIELDS.has(k)) problems.push(`object resource field ${k} is not writable`);
    for (const k of ['generation', 'ifGenerationMatch']) {
      if (r.query[k] !== undefined && !/^\d+$/.test(r.query[k]!))
        problems.push(`${k} must be a decimal int64, got ${r.query[k]}`);
    }
    return problems;
  }

  private answer(r: GcsRequest, error: (s: number, m: string) => { status: number; body: string }) {
    const key = `${r.bucket}/${r.object}`;
    if (r.operation === 'list') {
      const prefix = r.query.prefix ?? '';
      const names = [...this.objects.keys()].filter((k) => k.startsWith(`${r.bucket}/${prefix}`)).sort();
      const start = Number(r.query.pageToken ?? 0);
      const page = names.slice(start, start + this.pageSize);
      const items = page.map((k) => this.resource(r.bucket, k.slice(r.bucket.length + 1), this.objects.get(k)!));
      const next = start + this.pageSize < names.length ? { nextPageToken: String(start + this.pageSize) } : {};
      return { status: 200, body: JSON.stringify({ kind: 'storage#objects', items, ...next }) };
    }
    if (r.operation === 'insert') {
      const current = this.objects.get(key);
      const match = r.query.ifGenerationMatch;
      if (match !== undefined && String(current?.generation ?? 0n) !== match) return error(412, 'Precondition Failed');
      const media = (r as GcsRequest & { media?: Buffer }).media ?? Buffer.alloc(0);
      this.put(r.bucket, r.object!, media, String(r.resource?.contentType ?? 'application/octet-stream'));
      return { status: 200, body: JSON.stringify(this.resource(r.bucket, r.object!, this.objects.get(key)!)) };
    }
    if (r.operation === 'media') this.beforeMedia?.(r.bucket, r.object!);
    const o = this.objects.get(key);
    if (!o || (r.query.generation !== undefined && String(o.generation) !== r.query.generation)) {
      return error(404, `No such object: ${key}`);
    }
    if (r.operation === 'media') return { status: 200, body: o.data, type: o.contentType };
    return { status: 200, body: JSON.stringify(this.resource(r.bucket, r.object!, o)) };
  }
}

function crc32c(data: Buffer): string {
  const crc = new CRC32C();
  crc.update(data);
  return crc.toString();
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** multipart/related upload body → the parts' bodies (resource JSON, then media). */
function parseMultipart(body: Buffer, contentType: string): Buffer[] {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new Error(`not a multipart upload: ${contentType}`);
  const text = body.toString('latin1');
  return text
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => {
      const start = part.indexOf('\r\n\r\n');
      return Buffer.from(part.slice(start + 4).replace(/\r\n$/, ''), 'latin1');
    });
}
