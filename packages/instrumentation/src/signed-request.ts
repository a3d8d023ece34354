import type { SdkRequest } from './internal-types.js';

const CREDENTIAL = 'Credential=';

/**
 * The access key id that signed a request, from `Authorization: AWS4-HMAC-SHA256 Credential=<id>/…` or a
 * presigned `X-Amz-Credential`. The SigV4 signer resolves credentials again at every attempt, so this, not
 * the identity chosen for the operation, is what the service checks.
 */
export function signingAccessKeyId(request: unknown): string | undefined {
  if (request === null || typeof request !== 'object') return undefined;
  const { headers, query } = request as SdkRequest;
  const authorization = headers?.authorization ?? headers?.Authorization;
  if (typeof authorization === 'string') return credentialKeyId(authorization);
  const credential = query?.['X-Amz-Credential'];
  if (typeof credential === 'string') {
    const slash = credential.indexOf('/');
    return slash > 0 ? credential.slice(0, slash) : undefined;
  }
  return undefined;
}

export function requestMethod(request: unknown): string | undefined {
  if (request === null || typeof request !== 'object') return undefined;
  const { method } = request as SdkRequest;
  return typeof method === 'string' ? method.toUpperCase() : undefined;
}

/** `…Credential=<id>/<scope>…` → `<id>`, with string searches: this runs at every signing attempt. */
function credentialKeyId(authorization: string): string | undefined {
  const start = authorization.indexOf(CREDENTIAL);
  if (start < 0) return undefined;
  const from = start + CREDENTIAL.length;
  const slash = authorization.indexOf('/', from);
  return slash > from ? authorization.slice(from, slash) : undefined;
}
