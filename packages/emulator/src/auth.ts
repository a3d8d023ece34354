import type { Clock } from './clock.js';
import type { CredentialStore, IssuedCredentials } from './credentials.js';
import { s3Error, stsError } from './http/errors.js';
import type { WireRequest } from './sigv4/canonical.js';
import { decodeAwsChunked, isStreamingPayload } from './sigv4/chunked.js';
import { MalformedSignatureError, readSigV4Claim, type SigV4Claim } from './sigv4/claim.js';
import { sha256Hex } from './sigv4/encoding.js';
import { UNSIGNED_PAYLOAD, verifySignature } from './sigv4/verify.js';
import type { StatsRecorder } from './stats.js';

/** AWS allows 15 minutes between the signature date and the server's clock. */
const MAX_SKEW_MS = 15 * 60_000;

export interface Authenticated {
  claim: SigV4Claim;
  credentials: IssuedCredentials;
  /** The body with any `aws-chunked` framing removed. */
  payload: Buffer;
  /** Checksums sent as trailers of an `aws-chunked` body. */
  trailers: Record<string, string>;
}

export interface AuthSettings {
  region: string;
  /** Session age after which S3 answers `TokenRefreshRequired`; undefined: never. */
  refreshRequiredAfterMs: number | undefined;
}

/** Server time for signature-date checks: the process clock plus any injected skew. */
export type ServerTime = () => number;

/** The codes each service uses for the same authentication failure. */
const FAILURES = {
  s3: {
    unknownKey: () => s3Error('InvalidAccessKeyId'),
    // S3 echoes the rejected session token back as `Token-0`, so clients must treat error bodies as secret.
    badToken: (token?: string) => s3Error('InvalidToken', undefined, token ? { 'Token-0': token } : {}),
    expired: (token?: string) => s3Error('ExpiredToken', undefined, token ? { 'Token-0': token } : {}),
    skewed: (signedAt: Date, now: Date) =>
      s3Error('RequestTimeTooSkewed', undefined, {
        RequestTime: signedAt.toISOString(),
        ServerTime: now.toISOString(),
        MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
      }),
    mismatch: () => s3Error('SignatureDoesNotMatch'),
    malformed: (e: MalformedSignatureError) =>
      e.where === 'query'
        ? s3Error(
            'AuthorizationQueryParametersError',
            `Error parsing the X-Amz-Credential parameter; ${e.message}`,
          )
        : s3Error('AuthorizationHeaderMalformed', `The authorization header is malformed; ${e.message}`),
    unsigned: () => s3Error('AccessDenied', 'Anonymous access is not allowed; sign the request with SigV4.'),
  },
  sts: {
    unknownKey: () => stsError('InvalidClientTokenId'),
    badToken: (_token?: string) => stsError('InvalidClientTokenId'),
    expired: (_token?: string) => stsError('ExpiredToken'),
    skewed: (signedAt: Date, now: Date) =>
      stsError(
        'SignatureDoesNotMatch',
        `Signature expired: ${signedAt.toISOString()} is now earlier than ${new Date(now.getTime() - MAX_SKEW_MS).toISOString()} (${now.toISOString()} - 15 min.)`,
      ),
    mismatch: () => stsError('SignatureDoesNotMatch'),
    malformed: (e: MalformedSignatureError) => stsError('IncompleteSignature', e.message),
    unsigned: () => stsError('MissingAuthenticationToken'),
  },
} as const;

export class Authenticator {
  constructor(
    private readonly store: CredentialStore,
    private readonly clock: Clock,
    private readonly stats: StatsRecorder,
    private readonly serverTime: ServerTime,
    private readonly settings: AuthSettings,
  ) {}

  /** True when the request carries a SigV4 signature (header or presigned query). */
  static isSigned(request: WireRequest): boolean {
    if (request.headers.authorization !== undefined) return true;
    return /[?&]X-Amz-(Algorithm|Credential|Signature)=/.test(request.url);
  }

  /**
   * Checks a request the way AWS does, in AWS's order: a readable signature, a known key, its session
   * token, expiry, the signature date, the signature itself, the payload, then S3's refresh requirement.
   */
  authenticate(service: 's3' | 'sts', action: string, request: WireRequest, body: Buffer): Authenticated {
    const fail = FAILURES[service];
    let claim: SigV4Claim | undefined;
    try {
      claim = readSigV4Claim(request);
    } catch (error) {
      if (error instanceof MalformedSignatureError) throw fail.malformed(error);
      throw error;
    }
    if (claim === undefined) throw fail.unsigned();
    this.checkScope(service, claim);

    const credentials = this.store.find(claim.accessKeyId);
    if (!credentials) throw fail.unknownKey();
    this.stats.recordSigner(claim.accessKeyId, service, action);

    if (credentials.sessionToken !== undefined) {
      if (claim.sessionToken === undefined) throw fail.unknownKey();
      if (claim.sessionToken !== credentials.sessionToken) throw fail.badToken(claim.sessionToken);
      const forced = this.store.forcedRejection(credentials.accessKeyId);
      const expired = (credentials.expiration as Date).getTime() <= this.clock.nowMs();
      if (expired || forced === 'ExpiredToken') throw fail.expired(claim.sessionToken);
    } else if (claim.sessionToken !== undefined) {
      throw fail.badToken(claim.sessionToken);
    }

    const now = this.serverTime();
    if (claim.presignedExpiresSeconds !== undefined) {
      if (claim.signedAt.getTime() + claim.presignedExpiresSeconds * 1000 < now) {
        throw s3Error('AccessDenied', 'Request has expired', {
          Expires: new Date(claim.signedAt.getTime() + claim.presignedExpiresSeconds * 1000).toISOString(),
          ServerTime: new Date(now).toISOString(),
        });
      }
      if (claim.signedAt.getTime() - now > MAX_SKEW_MS) throw fail.skewed(claim.signedAt, new Date(now));
    } else if (Math.abs(claim.signedAt.getTime() - now) > MAX_SKEW_MS) {
      throw fail.skewed(claim.signedAt, new Date(now));
    }

    if (!verifySignature(request, claim, credentials.secretAccessKey, body)) throw fail.mismatch();
    const { payload, trailers } = this.readPayload(claim, credentials, request, body);

    if (service === 's3' && credentials.sessionToken !== undefined && this.mustRefresh(credentials)) {
      throw s3Error('TokenRefreshRequired');
    }
    return { claim, credentials, payload, trailers };
  }

  private checkScope(service: 's3' | 'sts', claim: SigV4Claim): void {
    if (service === 's3') {
      if (claim.service !== 's3') {
        throw s3Error(
          'AuthorizationHeaderMalformed',
          `The authorization header is malformed; incorrect service "${claim.service}". This endpoint belongs to "s3".`,
        );
      }
      if (claim.region !== this.settings.region) {
        throw s3Error(
          'AuthorizationHeaderMalformed',
          `The authorization header is malformed; the region '${claim.region}' is wrong; expecting '${this.settings.region}'`,
          { Region: this.settings.region },
        );
      }
    } else if (claim.service !== 'sts') {
      throw stsError('SignatureDoesNotMatch', "Credential should be scoped to correct service: 'sts'.");
    }
  }

  private readPayload(claim: SigV4Claim, credentials: IssuedCredentials, request: WireRequest, body: Buffer) {
    const declared = claim.contentSha256;
    if (isStreamingPayload(declared)) {
      const decoded = decodeAwsChunked(body, declared, claim, credentials.secretAccessKey);
      const decodedLength = request.headers['x-amz-decoded-content-length']?.[0];
      if (decodedLength !== undefined && Number(decodedLength) !== decoded.payload.length) {
        throw s3Error(
          'IncompleteBody',
          `x-amz-decoded-content-length says ${decodedLength} bytes, the body decoded to ${decoded.payload.length}.`,
        );
      }
      return decoded;
    }
    if (declared !== undefined && declared !== UNSIGNED_PAYLOAD) {
      if (!/^[0-9a-f]{64}$/.test(declared)) {
        throw s3Error(
          'InvalidArgument',
          'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-… or a SHA-256 hex digest.',
        );
      }
      if (declared !== sha256Hex(body)) throw s3Error('XAmzContentSHA256Mismatch');
    }
    return { payload: body, trailers: {} };
  }

  private mustRefresh(credentials: IssuedCredentials): boolean {
    if (this.store.forcedRejection(credentials.accessKeyId) === 'TokenRefreshRequired') return true;
    const limit = this.settings.refreshRequiredAfterMs;
    return limit !== undefined && this.clock.nowMs() - credentials.issuedAt.getTime() >= limit;
  }
}
