import { uriEscape, uriUnescape } from './encoding.js';

/** A request as it arrived on the wire: nothing decoded, header names lower-cased. */
export interface WireRequest {
  method: string;
  /** Path and query exactly as sent, e.g. `/bucket/my%20key?uploads=`. */
  url: string;
  /** Every header's values in arrival order (Node's `headersDistinct`). */
  headers: Record<string, string[] | undefined>;
}

export function splitUrl(url: string): { path: string; query: string } {
  const q = url.indexOf('?');
  return q === -1 ? { path: url, query: '' } : { path: url.slice(0, q), query: url.slice(q + 1) };
}

/** Query parameters decoded, in order; a parameter without `=` has the value `''`. */
export function parseQuery(query: string): Array<[string, string]> {
  if (query === '') return [];
  return query
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      return eq === -1
        ? [uriUnescape(part), '']
        : [uriUnescape(part.slice(0, eq)), uriUnescape(part.slice(eq + 1))];
    });
}

/**
 * S3 signs the path as sent; every other service signs the normalized path encoded a second time
 * (the SDK's `uriEscapePath`).
 */
export function canonicalUri(path: string, service: string): string {
  if (service === 's3') return path === '' ? '/' : path;
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && path.endsWith('/') ? '/' : '';
  const normalized = `/${segments.join('/')}${trailing}`;
  return uriEscape(normalized).replace(/%2F/g, '/');
}

/** Parameters encoded, then sorted by name and value; `X-Amz-Signature` itself is never signed. */
export function canonicalQuery(query: string): string {
  return parseQuery(query)
    .filter(([name]) => name !== 'X-Amz-Signature')
    .map(([name, value]) => [uriEscape(name), uriEscape(value)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/** `name:value\n` per signed header: values trimmed, inner whitespace runs collapsed, repeats joined by `,`. */
export function canonicalHeaders(headers: WireRequest['headers'], signedHeaders: readonly string[]): string {
  return signedHeaders
    .map((name) => {
      const values = headers[name] ?? [];
      return `${name}:${values.map((v) => v.trim().replace(/\s+/g, ' ')).join(',')}\n`;
    })
    .join('');
}

export function canonicalRequest(
  request: WireRequest,
  service: string,
  signedHeaders: readonly string[],
  payloadHash: string,
): string {
  const { path, query } = splitUrl(request.url);
  return [
    request.method.toUpperCase(),
    canonicalUri(path, service),
    canonicalQuery(query),
    canonicalHeaders(request.headers, signedHeaders),
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}
