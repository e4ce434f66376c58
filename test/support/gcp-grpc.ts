// Runs the real Google Cloud clients against a fake gRPC transport: one method of the client's gRPC stub is
// replaced, so request building, path templates, routing headers, retries and LRO decoding all run for real. The
// request is also put through the method's own serializer (what the server would receive), and responses go through
// the method's own serialize → deserialize round trip, so the adapter sees exactly what the client would give it
// (string enums for unary calls, Any-packed metadata decoded by gax for operations).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Metadata } from '@grpc/grpc-js';
import { GoogleAuth, OAuth2Client } from 'google-auth-library';
import protobuf from 'protobufjs';

interface MethodDefinition {
  path: string;
  requestSerialize(v: unknown): Buffer;
  requestDeserialize(b: Buffer): unknown;
  responseSerialize(v: unknown): Buffer;
  responseDeserialize(b: Buffer): unknown;
}
type GrpcStub = Record<string, MethodDefinition & ((...args: unknown[]) => unknown)>;

export interface GrpcCall {
  /** e.g. `/google.devtools.cloudbuild.v1.CloudBuild/CreateBuild` */
  path: string;
  /** The object the client handed to the transport. */
  request: Record<string, unknown>;
  /** The same request after the method's serializer: what the server would decode. */
  wire: Record<string, unknown>;
  headers: Record<string, unknown>;
}

/** A gRPC error as the transport reports it (numeric `code` = google.rpc.Code). */
export function grpcError(code: number, message: string): Error & { code: number } {
  return Object.assign(new Error(`${code} ${message}`), { code, details: message });
}

/** Client options for tests: no credentials lookup, no network. */
export const offlineClientOptions = () => ({
  projectId: 'test-project',
  auth: new GoogleAuth({ authClient: new OAuth2Client(), projectId: 'test-project' }),
});

/**
 * Replaces `method` on a (resolved) gRPC stub. `respond` returns the response as a plain object (or throws a
 * grpcError). Returns the list the calls are recorded in.
 */
export async function fakeGrpc(
  stubOrPromise: unknown,
  method: string,
  respond: (request: Record<string, unknown>) => unknown,
): Promise<GrpcCall[]> {
  const stub = (await stubOrPromise) as GrpcStub;
  const def = stub[method];
  if (!def?.path) throw new Error(`the client's gRPC stub has no method ${method}`);
  const calls: GrpcCall[] = [];
  const fake = (
    request: Record<string, unknown>,
    metadata: Metadata,
    _opts: unknown,
    callback: (err: unknown, response?: unknown) => void,
  ) => {
    const wire = def.requestDeserialize(def.requestSerialize(request)) as Record<string, unknown>;
    calls.push({ path: def.path, request, wire, headers: metadata.getMap() });
    Promise.resolve()
      .then(() => respond(request))
      .then(
        (response) => callback(null, def.responseDeserialize(def.responseSerialize(response))),
        (err: unknown) => callback(err),
      );
    return { cancel() {} };
  };
  stub[method] = Object.assign(fake, def) as unknown as GrpcStub[string];
  return calls;
}

const packRoots = new Map<string, protobuf.Root>();

/** google.protobuf.Any of `message` (camelCase object) for an operation's metadata or response. */
export function packAny(pkg: 'aiplatform' | 'cloudbuild', typeName: string, message: Record<string, unknown>) {
  let root = packRoots.get(pkg);
  if (!root) {
    const main = require.resolve(`@google-cloud/${pkg}`);
    const json = JSON.parse(readFileSync(join(dirname(main), '../protos/protos.json'), 'utf8'));
    root = protobuf.Root.fromJSON(json);
    packRoots.set(pkg, root);
  }
  const type = root.lookupType(typeName);
  return { type_url: `type.googleapis.com/${typeName}`, value: type.encode(type.fromObject(message)).finish() };
}
