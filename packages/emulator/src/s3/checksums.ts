import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { s3Error } from '../http/errors.js';

/** Checksums S3 verifies on upload; CRC32C and CRC64NVME are accepted without verification. */
const COMPUTE: Record<string, (body: Buffer) => string> = {
  'content-md5': (body) => createHash('md5').update(body).digest('base64'),
  'x-amz-checksum-crc32': (body) => {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(crc32(body));
    return out.toString('base64');
  },
  'x-amz-checksum-sha1': (body) => createHash('sha1').update(body).digest('base64'),
  'x-amz-checksum-sha256': (body) => createHash('sha256').update(body).digest('base64'),
};

const CHECKSUM_HEADER = /^x-amz-checksum-(crc32|crc32c|crc64nvme|sha1|sha256)$/;

/**
 * Verifies every checksum sent in headers or `aws-chunked` trailers against the body (`BadDigest` on a
 * mismatch) and returns the `x-amz-checksum-*` values to store with the object.
 */
export function verifyChecksums(
  body: Buffer,
  declared: Record<string, string | undefined>,
): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(declared)) {
    if (value === undefined) continue;
    const compute = COMPUTE[name];
    if (compute && compute(body) !== value) {
      throw s3Error(
        'BadDigest',
        `The ${name.replace('x-amz-checksum-', '').toUpperCase()} you specified did not match the calculated checksum.`,
      );
    }
    if (CHECKSUM_HEADER.test(name)) kept[name] = value;
  }
  return kept;
}
