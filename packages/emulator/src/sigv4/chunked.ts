import { s3Error } from '../http/errors.js';
import type { SigV4Claim } from './claim.js';
import { EMPTY_SHA256, hmac, sha256Hex, signingKey } from './encoding.js';
import { credentialScope, signaturesEqual } from './verify.js';

/** The `x-amz-content-sha256` values that announce an `aws-chunked` body. */
export const STREAMING_PAYLOADS = {
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD': { signed: true, trailer: false },
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER': { signed: true, trailer: true },
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER': { signed: false, trailer: true },
} as const;

export type StreamingPayload = keyof typeof STREAMING_PAYLOADS;

export function isStreamingPayload(value: string | undefined): value is StreamingPayload {
  return value !== undefined && Object.hasOwn(STREAMING_PAYLOADS, value);
}

export interface DecodedChunkedBody {
  payload: Buffer;
  /** Trailing headers (e.g. `x-amz-checksum-crc32`), lower-cased, without the trailer signature. */
  trailers: Record<string, string>;
}

const CRLF = Buffer.from('\r\n');

class ChunkReader {
  offset = 0;
  constructor(readonly body: Buffer) {}

  line(): string {
    const end = this.body.indexOf(CRLF, this.offset);
    if (end === -1)
      throw s3Error('IncompleteBody', 'The aws-chunked body ended in the middle of a chunk header.');
    const text = this.body.subarray(this.offset, end).toString('latin1');
    this.offset = end + 2;
    return text;
  }

  bytes(length: number): Buffer {
    if (this.offset + length + 2 > this.body.length) {
      throw s3Error('IncompleteBody', 'The aws-chunked body ended before the announced chunk length.');
    }
    const data = this.body.subarray(this.offset, this.offset + length);
    if (!this.body.subarray(this.offset + length, this.offset + length + 2).equals(CRLF)) {
      throw s3Error('InvalidRequest', 'An aws-chunked chunk is not followed by CRLF.');
    }
    this.offset += length + 2;
    return data;
  }
}

/**
 * Decodes an `aws-chunked` body and, for the signed variants, checks every chunk signature in the chain
 * that starts at the request's seed signature (and the trailer signature, when there is one).
 */
export function decodeAwsChunked(
  body: Buffer,
  mode: StreamingPayload,
  claim: SigV4Claim,
  secret: string,
): DecodedChunkedBody {
  const { signed, trailer } = STREAMING_PAYLOADS[mode];
  const key = signed ? signingKey(secret, claim.date, claim.region, claim.service) : undefined;
  const scope = credentialScope(claim);
  let previous = claim.signature;
  const reader = new ChunkReader(body);
  const parts: Buffer[] = [];

  for (;;) {
    const header = reader.line();
    const [sizeText, ...extensions] = header.split(';');
    if (!sizeText || !/^[0-9a-fA-F]+$/.test(sizeText)) {
      throw s3Error(
        'InvalidRequest',
        'An aws-chunked chunk header does not start with a hexadecimal length.',
      );
    }
    const size = Number.parseInt(sizeText, 16);
    const data = size === 0 ? Buffer.alloc(0) : reader.bytes(size);
    if (key) {
      const claimed = extensions
        .find((e) => e.startsWith('chunk-signature='))
        ?.slice('chunk-signature='.length);
      const stringToSign = [
        'AWS4-HMAC-SHA256-PAYLOAD',
        claim.amzDate,
        scope,
        previous,
        EMPTY_SHA256,
        sha256Hex(data),
      ].join('\n');
      const expected = hmac(key, stringToSign).toString('hex');
      if (claimed === undefined || !signaturesEqual(claimed, expected)) {
        throw s3Error(
          'SignatureDoesNotMatch',
          'The chunk signature we calculated does not match the signature you provided.',
        );
      }
      previous = expected;
    }
    if (size === 0) break;
    parts.push(data);
  }

  const trailers: Record<string, string> = {};
  let trailerSignature: string | undefined;
  let canonicalTrailers = '';
  if (trailer || reader.offset < body.length) {
    for (;;) {
      if (reader.offset >= body.length) break; // a body may end right after the final chunk's CRLF
      const line = reader.line();
      if (line === '') break;
      const colon = line.indexOf(':');
      if (colon <= 0)
        throw s3Error('InvalidRequest', 'A trailing header in the aws-chunked body is malformed.');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'x-amz-trailer-signature') trailerSignature = value;
      else {
        trailers[name] = value;
        canonicalTrailers += `${name}:${value}\n`;
      }
    }
  }
  if (key && trailer) {
    const stringToSign = [
      'AWS4-HMAC-SHA256-TRAILER',
      claim.amzDate,
      scope,
      previous,
      sha256Hex(canonicalTrailers),
    ].join('\n');
    const expected = hmac(key, stringToSign).toString('hex');
    if (trailerSignature === undefined || !signaturesEqual(trailerSignature, expected)) {
      throw s3Error(
        'SignatureDoesNotMatch',
        'The trailer signature we calculated does not match the signature you provided.',
      );
    }
  }
  return { payload: Buffer.concat(parts), trailers };
}
