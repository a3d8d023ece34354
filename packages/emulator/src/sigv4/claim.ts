import { parseQuery, splitUrl, type WireRequest } from './canonical.js';
import { ALGORITHM } from './encoding.js';

/** What a SigV4-signed request claims: who signed it, when, for what scope, and the signature. */
export interface SigV4Claim {
  accessKeyId: string;
  /** `yyyymmdd` from the credential scope. */
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  /** `yyyymmddThhmmssZ`, from `X-Amz-Date` (or the `Date` header). */
  amzDate: string;
  signedAt: Date;
  sessionToken: string | undefined;
  /** The payload hash the client signed (`x-amz-content-sha256`), if it sent one. */
  contentSha256: string | undefined;
  /** Set for presigned URLs: how long the URL is valid after `signedAt`. */
  presignedExpiresSeconds: number | undefined;
}

/** A signature that cannot even be read: AWS answers these before looking up the key. */
export class MalformedSignatureError extends Error {
  constructor(
    message: string,
    readonly where: 'header' | 'query',
  ) {
    super(message);
  }
}

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

function parseAmzDate(
  value: string | undefined,
  where: 'header' | 'query',
): { amzDate: string; signedAt: Date } {
  if (value !== undefined) {
    const m = AMZ_DATE.exec(value);
    if (m) {
      const [, year, month, day, hour, minute, second] = m.map(Number) as number[];
      const signedAt = new Date(Date.UTC(year as number, (month as number) - 1, day, hour, minute, second));
      // Date.UTC rolls 20240231 over into March; only a date that reads back the same is valid.
      if (toAmzDate(signedAt) === value) return { amzDate: value, signedAt };
    }
  }
  throw new MalformedSignatureError(
    `X-Amz-Date must be in ISO 8601 basic format (yyyyMMddTHHmmssZ), got ${JSON.stringify(value ?? '')}`,
    where,
  );
}

function parseCredential(credential: string, where: 'header' | 'query') {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || parts.some((p) => p === '')) {
    throw new MalformedSignatureError(
      `the Credential must be <access key id>/<date>/<region>/<service>/aws4_request, got ${JSON.stringify(credential.split('/').slice(1).join('/'))}`,
      where,
    );
  }
  const [accessKeyId, date, region, service] = parts as [string, string, string, string];
  if (!/^\d{8}$/.test(date))
    throw new MalformedSignatureError(`invalid credential date ${JSON.stringify(date)}`, where);
  return { accessKeyId, date, region, service };
}

function parseSignedHeaders(value: string, where: 'header' | 'query'): string[] {
  const names = value.split(';');
  if (names.some((n) => n === '' || n !== n.toLowerCase())) {
    throw new MalformedSignatureError(
      'SignedHeaders must be lower-case header names separated by ";"',
      where,
    );
  }
  if (!names.includes('host')) throw new MalformedSignatureError('SignedHeaders must include host', where);
  return names;
}

function first(headers: WireRequest['headers'], name: string): string | undefined {
  return headers[name]?.[0];
}

function fromAuthorizationHeader(request: WireRequest, authorization: string): SigV4Claim {
  const space = authorization.indexOf(' ');
  const algorithm = space === -1 ? authorization : authorization.slice(0, space);
  if (algorithm !== ALGORITHM) {
    throw new MalformedSignatureError(
      `unsupported authorization type ${JSON.stringify(algorithm)}; only ${ALGORITHM} is accepted`,
      'header',
    );
  }
  const fields = new Map<string, string>();
  for (const part of authorization.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signedHeaders || !signature) {
    throw new MalformedSignatureError(
      "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters",
      'header',
    );
  }
  if (!/^[0-9a-f]{64}$/.test(signature))
    throw new MalformedSignatureError('Signature must be 64 lower-case hex characters', 'header');
  return {
    ...parseCredential(credential, 'header'),
    signedHeaders: parseSignedHeaders(signedHeaders, 'header'),
    signature,
    ...parseAmzDate(
      first(request.headers, 'x-amz-date') ?? dateHeaderAsAmzDate(first(request.headers, 'date')),
      'header',
    ),
    sessionToken: first(request.headers, 'x-amz-security-token'),
    contentSha256: first(request.headers, 'x-amz-content-sha256'),
    presignedExpiresSeconds: undefined,
  };
}

function toAmzDate(date: Date): string {
  return Number.isNaN(date.getTime()) ? '' : date.toISOString().replace(/[-:]|\.\d{3}/g, '');
}

function dateHeaderAsAmzDate(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? value : toAmzDate(new Date(time));
}

function fromQuery(request: WireRequest, params: Map<string, string>): SigV4Claim {
  const required = [
    'X-Amz-Credential',
    'X-Amz-Date',
    'X-Amz-SignedHeaders',
    'X-Amz-Signature',
    'X-Amz-Expires',
  ];
  const missing = required.filter((name) => !params.get(name));
  if (missing.length > 0 || params.get('X-Amz-Algorithm') !== ALGORITHM) {
    throw new MalformedSignatureError(
      `presigned URLs need X-Amz-Algorithm=${ALGORITHM} and ${required.join(', ')}${missing.length ? `; missing ${missing.join(', ')}` : ''}`,
      'query',
    );
  }
  const expires = Number(params.get('X-Amz-Expires'));
  if (!Number.isInteger(expires) || expires < 1 || expires > 604_800) {
    throw new MalformedSignatureError(
      'X-Amz-Expires must be an integer between 1 and 604800 seconds',
      'query',
    );
  }
  const signature = params.get('X-Amz-Signature') as string;
  if (!/^[0-9a-f]{64}$/.test(signature))
    throw new MalformedSignatureError('X-Amz-Signature must be 64 lower-case hex characters', 'query');
  return {
    ...parseCredential(params.get('X-Amz-Credential') as string, 'query'),
    signedHeaders: parseSignedHeaders(params.get('X-Amz-SignedHeaders') as string, 'query'),
    signature,
    ...parseAmzDate(params.get('X-Amz-Date'), 'query'),
    sessionToken: params.get('X-Amz-Security-Token'),
    contentSha256: first(request.headers, 'x-amz-content-sha256') ?? params.get('X-Amz-Content-Sha256'),
    presignedExpiresSeconds: expires,
  };
}

/**
 * Reads the SigV4 claim from the `Authorization` header or, for presigned URLs, the query string.
 * Returns `undefined` for an unsigned request; throws {@link MalformedSignatureError} when a signature
 * is present but unreadable.
 */
export function readSigV4Claim(request: WireRequest): SigV4Claim | undefined {
  const authorization = first(request.headers, 'authorization');
  if (authorization !== undefined) return fromAuthorizationHeader(request, authorization);
  const params = new Map(parseQuery(splitUrl(request.url).query));
  if (params.has('X-Amz-Algorithm') || params.has('X-Amz-Signature') || params.has('X-Amz-Credential')) {
    return fromQuery(request, params);
  }
  return undefined;
}
