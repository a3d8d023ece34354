import type { ServerResponse } from 'node:http';

/** What a handler answers; the server writes it. */
export interface Reply {
  status: number;
  headers?: Record<string, string | number>;
  body?: string | Buffer;
}

export function xmlReply(body: string, headers: Record<string, string | number> = {}, status = 200): Reply {
  return { status, headers: { 'content-type': 'application/xml', ...headers }, body };
}

export function jsonReply(value: unknown, status = 200): Reply {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}

export function textReply(text: string, status = 200): Reply {
  return { status, headers: { 'content-type': 'text/plain' }, body: text };
}

/** Writes a reply; for HEAD requests the body is left out but its length is kept, as HTTP requires. */
export function writeReply(
  res: ServerResponse,
  reply: Reply,
  head: boolean,
  baseHeaders: Record<string, string>,
): void {
  if (res.headersSent || res.destroyed) return;
  const body =
    reply.body === undefined ? undefined : Buffer.isBuffer(reply.body) ? reply.body : Buffer.from(reply.body);
  const headers: Record<string, string | number> = { ...baseHeaders, ...reply.headers };
  if (body !== undefined && headers['content-length'] === undefined) headers['content-length'] = body.length;
  if (body === undefined && headers['content-length'] === undefined) headers['content-length'] = 0;
  res.writeHead(reply.status, headers);
  res.end(head ? undefined : body);
}
