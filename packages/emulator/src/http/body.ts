import type { IncomingMessage } from 'node:http';
import { type AwsError, s3Error } from './errors.js';

/**
 * Reads a whole request body. A body over `limit` bytes is refused as `EntityTooLarge`; a connection that
 * ends early is `IncompleteBody`. Nothing is acted on until the body is complete.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    req.resume();
    return Promise.reject(
      s3Error('EntityTooLarge', undefined, { ProposedSize: declared, MaxSizeAllowed: String(limit) }),
    );
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (error: AwsError) => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        fail(s3Error('EntityTooLarge', undefined, { MaxSizeAllowed: String(limit) }));
        req.resume();
        return;
      }
      if (!settled) chunks.push(chunk);
    });
    req.on('end', () => {
      if (settled) return;
      if (!req.complete) return fail(s3Error('IncompleteBody'));
      settled = true;
      resolve(Buffer.concat(chunks));
    });
    req.on('aborted', () => fail(s3Error('IncompleteBody')));
    req.on('error', () => fail(s3Error('IncompleteBody')));
    req.on('close', () => {
      if (!req.complete) fail(s3Error('IncompleteBody'));
    });
  });
}
