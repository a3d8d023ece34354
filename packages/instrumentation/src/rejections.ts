import type { SdkError } from './internal-types.js';
import { ERROR_TYPE_OTHER, REJECTION_ERROR_TYPE_VALUES } from './semconv.js';
import type { ExpiryState } from './types.js';

/** Service error codes that mean "these credentials are no longer accepted". */
export const REJECTION_CODES: ReadonlySet<string> = new Set(REJECTION_ERROR_TYPE_VALUES);

export interface Rejection {
  errorType: string;
  /** The response had no error code (a HEAD's bare 400); the type comes from what credwatch knew at signing. */
  inferred: boolean;
}

/** The SDK error's service code, read from `name` (modeled and unmodeled errors) or `Code`. */
/** The rejection code an SDK error carries (`name`, or S3's `Code`), when it is one the contract knows. */
export function errorCode(error: SdkError): string | undefined {
  if (typeof error.name === 'string' && REJECTION_CODES.has(error.name)) return error.name;
  if (typeof error.Code === 'string' && REJECTION_CODES.has(error.Code)) return error.Code;
  return undefined;
}

/**
 * Classifies a failed attempt as a credential rejection, or returns undefined.
 *
 * HEAD responses carry no body, so the SDK reports S3's 400 as `Unknown`. What the service last told the same
 * key explains it best (an `ExpiredToken` to a PUT a moment ago is still one); otherwise credentials that
 * were expired at signing explain it as `ExpiredToken`, and temporary credentials still in date as
 * `TokenRefreshRequired` (the only other 400 S3 gives a well-formed, signed HEAD). Anything else stays
 * unclassified.
 */
export function classifyRejection(
  error: unknown,
  method: string | undefined,
  signing: { expiryState: ExpiryState; temporary: boolean; lastRejection?: string } | undefined,
): Rejection | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const sdkError = error as SdkError;
  const code = errorCode(sdkError);
  if (code !== undefined) return { errorType: code, inferred: false };
  const status = sdkError.$metadata?.httpStatusCode;
  if (method !== 'HEAD' || status !== 400 || sdkError.name !== 'Unknown' || signing === undefined)
    return undefined;
  if (signing.lastRejection !== undefined) return { errorType: signing.lastRejection, inferred: true };
  if (signing.expiryState === 'expired') return { errorType: 'ExpiredToken', inferred: true };
  if (signing.temporary) return { errorType: 'TokenRefreshRequired', inferred: true };
  return undefined;
}

/** `error.type` for a failed credential fetch: the error's class or name, `_OTHER` when it has none. */
export function providerErrorType(error: unknown): string {
  if (error !== null && typeof error === 'object') {
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string' && name !== '' && name !== 'Error') return name;
    const ctor = (error as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof ctor === 'string' && ctor !== '' && ctor !== 'Object') return ctor;
  }
  return ERROR_TYPE_OTHER;
}
