import type { Clock } from './clock.js';
import { AwsError } from './http/errors.js';
import { jsonReply, type Reply, textReply } from './http/reply.js';
import { newImdsToken } from './ids.js';
import type { RotatingCredentials } from './rotating-credentials.js';
import type { WireRequest } from './sigv4/canonical.js';
import { splitUrl } from './sigv4/canonical.js';

const CREDENTIALS_PATH = '/latest/meta-data/iam/security-credentials/';
const MAX_TOKEN_TTL_SECONDS = 21_600;

export type ImdsAction = 'token' | 'role' | 'credentials' | 'metadata';

/** IMDS answers in plain text, not AWS XML. */
function imdsError(status: number, text: string): AwsError {
  return new AwsError(String(status), status, text);
}

export function imdsAction(method: string, url: string): ImdsAction {
  const { path } = splitUrl(url);
  if (path === '/latest/api/token') return 'token';
  if (path === CREDENTIALS_PATH || path === CREDENTIALS_PATH.slice(0, -1)) return 'role';
  if (path.startsWith(CREDENTIALS_PATH) && method === 'GET') return 'credentials';
  return 'metadata';
}

export interface ImdsSettings {
  roleName: string;
  /** When false, requests without a session token are refused (IMDSv2 only). */
  allowV1: boolean;
}

export class ImdsService {
  readonly #tokens = new Map<string, number>();

  constructor(
    private readonly credentials: RotatingCredentials,
    private readonly clock: Clock,
    private readonly settings: ImdsSettings,
    private readonly serveExpired: () => boolean,
  ) {}

  handle(action: ImdsAction, request: WireRequest): Reply {
    const method = request.method;
    if (action === 'token') {
      if (method !== 'PUT') throw imdsError(405, 'Method Not Allowed');
      if (request.headers['x-forwarded-for'] !== undefined) throw imdsError(403, 'Forbidden');
      const ttl = Number(request.headers['x-aws-ec2-metadata-token-ttl-seconds']?.[0]);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TOKEN_TTL_SECONDS)
        throw imdsError(400, 'Bad Request');
      const token = newImdsToken();
      this.#tokens.set(token, this.clock.nowMs() + ttl * 1000);
      return {
        ...textReply(token),
        headers: { 'content-type': 'text/plain', 'x-aws-ec2-metadata-token-ttl-seconds': ttl },
      };
    }
    if (method !== 'GET' && method !== 'HEAD') throw imdsError(405, 'Method Not Allowed');
    this.checkToken(request.headers['x-aws-ec2-metadata-token']?.[0]);
    const { path } = splitUrl(request.url);
    switch (action) {
      case 'role':
        return textReply(this.settings.roleName);
      case 'credentials': {
        if (path.slice(CREDENTIALS_PATH.length) !== this.settings.roleName) throw imdsError(404, 'Not Found');
        const creds = this.serveExpired() ? this.credentials.expired() : this.credentials.get();
        return jsonReply({
          Code: 'Success',
          LastUpdated: creds.issuedAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
          Type: 'AWS-HMAC',
          AccessKeyId: creds.accessKeyId,
          SecretAccessKey: creds.secretAccessKey,
          Token: creds.sessionToken,
          Expiration: (creds.expiration as Date).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        });
      }
      default:
        throw imdsError(404, 'Not Found');
    }
  }

  private checkToken(token: string | undefined): void {
    if (token === undefined) {
      if (!this.settings.allowV1) throw imdsError(401, 'Unauthorized');
      return;
    }
    const expires = this.#tokens.get(token);
    if (expires === undefined || expires < this.clock.nowMs()) throw imdsError(401, 'Unauthorized');
  }
}
