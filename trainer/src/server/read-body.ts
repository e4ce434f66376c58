// Reads a request body up to a byte limit, without ever holding more than the limit in memory.
import type { IncomingMessage } from 'node:http';

/** The body was larger than the limit: the server answers 413 and closes the connection without reading the rest. */
export class BodyTooLargeError extends Error {
  readonly statusCode = 413;
  constructor(readonly limit: number) {
    super(`request body is larger than ${limit} bytes (the Vertex AI limit is 1.5 MB)`);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * Calls back once with the body decoded as UTF-8, or with BodyTooLargeError as soon as the limit is passed
 * (by Content-Length or by the bytes received). Nothing is called back if the client aborts.
 */
export function readBody(
  req: IncomingMessage,
  limit: number,
  done: (err: BodyTooLargeError | undefined, text: string) => void,
): void {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return done(new BodyTooLargeError(limit), '');
  const chunks: Buffer[] = [];
  let size = 0;
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size <= limit) {
      chunks.push(chunk);
      return;
    }
    req.off('data', onData);
    req.off('end', onEnd);
    chunks.length = 0;
    done(new BodyTooLargeError(limit), '');
  };
  const onEnd = () => {
    // One chunk is the common case for small bodies: decode it without a copy.
    done(
      undefined,
      chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks, size).toString('utf8'),
    );
  };
  req.on('data', onData);
  req.on('end', onEnd);
}
