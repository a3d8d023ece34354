import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { LongTermKey } from '../src/index.js';
import type { WireRequest } from '../src/sigv4/canonical.js';
import { uriEscape } from '../src/sigv4/encoding.js';

export interface UnsignedRequest {
  method: string;
  /** The path as sent (already percent-encoded). */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | Buffer;
  service?: 's3' | 'sts';
  region?: string;
}

/** Signs with the SDK's own SigV4 signer, so the emulator's verifier is checked against an independent implementation. */
export async function signRequest(
  host: string,
  key: LongTermKey & { sessionToken?: string },
  request: UnsignedRequest,
  signingDate = new Date(),
): Promise<{
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: string | Buffer;
}> {
  const service = request.service ?? 's3';
  const signer = new SignatureV4({
    service,
    region: request.region ?? 'us-east-1',
    credentials: key,
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: service !== 's3',
    applyChecksum: service === 's3',
  });
  const signed = await signer.sign(
    new HttpRequest({
      protocol: 'http:',
      hostname: host.split(':')[0],
      port: Number(host.split(':')[1]),
      method: request.method,
      path: request.path,
      query: request.query ?? {},
      headers: { host, ...request.headers },
      body: request.body,
    }),
    { signingDate },
  );
  return {
    method: signed.method,
    path: signed.path,
    query: signed.query as Record<string, string>,
    headers: signed.headers,
    body: request.body,
  };
}

export function queryString(query: Record<string, string>): string {
  return Object.entries(query)
    .map(([k, v]) => `${uriEscape(k)}=${uriEscape(v)}`)
    .join('&');
}

export function toWire(signed: {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
}): WireRequest {
  const qs = queryString(signed.query);
  return {
    method: signed.method,
    url: qs ? `${signed.path}?${qs}` : signed.path,
    headers: Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), [v]])),
  };
}

/** Sends an already signed request to the emulator with `fetch` (which sets `host` itself). */
export function fetchSigned(
  endpoint: string,
  signed: { method: string; path: string; query: Record<string, string>; headers: Record<string, string> },
  body?: string | Buffer,
): Promise<Response> {
  const { host: _host, ...headers } = signed.headers;
  return fetch(`${endpoint}${toWire(signed).url}`, { method: signed.method, headers, body });
}

/** Signs and sends a request to the emulator with `fetch`. */
export async function sendSigned(
  endpoint: string,
  key: LongTermKey,
  request: UnsignedRequest,
): Promise<Response> {
  return fetchSigned(endpoint, await signRequest(new URL(endpoint).host, key, request), request.body);
}
