import { timingSafeEqual } from 'node:crypto';
import { canonicalRequest, type WireRequest } from './canonical.js';
import type { SigV4Claim } from './claim.js';
import { ALGORITHM, hmac, sha256Hex, signingKey } from './encoding.js';

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

export function credentialScope(claim: SigV4Claim): string {
  return `${claim.date}/${claim.region}/${claim.service}/aws4_request`;
}

/**
 * The payload hash that went into the canonical request: what the client declared in
 * `x-amz-content-sha256`, `UNSIGNED-PAYLOAD` for a presigned URL, or the body's own hash.
 */
export function signedPayloadHash(claim: SigV4Claim, body: Buffer): string {
  if (claim.contentSha256 !== undefined) return claim.contentSha256;
  if (claim.presignedExpiresSeconds !== undefined) return UNSIGNED_PAYLOAD;
  return sha256Hex(body);
}

export function expectedSignature(
  request: WireRequest,
  claim: SigV4Claim,
  secret: string,
  payloadHash: string,
): string {
  const canonical = canonicalRequest(request, claim.service, claim.signedHeaders, payloadHash);
  const stringToSign = [ALGORITHM, claim.amzDate, credentialScope(claim), sha256Hex(canonical)].join('\n');
  return hmac(signingKey(secret, claim.date, claim.region, claim.service), stringToSign).toString('hex');
}

export function signaturesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** True when `claim.signature` is the signature `secret` gives this request. */
export function verifySignature(
  request: WireRequest,
  claim: SigV4Claim,
  secret: string,
  body: Buffer,
): boolean {
  return signaturesEqual(
    claim.signature,
    expectedSignature(request, claim, secret, signedPayloadHash(claim, body)),
  );
}
