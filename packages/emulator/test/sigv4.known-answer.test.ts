import { describe, expect, it } from 'vitest';
import { readSigV4Claim } from '../src/sigv4/claim.js';
import { verifySignature } from '../src/sigv4/verify.js';

// AWS's published example ("Signature Calculations for the Authorization Header", GET Object):
// the verifier must accept AWS's own signature for it, byte for byte.
const EXAMPLE_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function example(signature: string) {
  return {
    method: 'GET',
    url: '/test.txt',
    headers: {
      host: ['examplebucket.s3.amazonaws.com'],
      range: ['bytes=0-9'],
      'x-amz-content-sha256': [EMPTY],
      'x-amz-date': ['20130524T000000Z'],
      authorization: [
        `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=${signature}`,
      ],
    },
  };
}

describe('SigV4 known answer', () => {
  it("accepts AWS's documented signature for GET /test.txt", () => {
    const request = example('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
    const claim = readSigV4Claim(request);
    expect(claim).toMatchObject({
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      date: '20130524',
      region: 'us-east-1',
      service: 's3',
    });
    expect(
      verifySignature(request, claim as NonNullable<typeof claim>, EXAMPLE_SECRET, Buffer.alloc(0)),
    ).toBe(true);
  });

  it('refuses it with the last hex digit changed', () => {
    const request = example('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb40');
    const claim = readSigV4Claim(request);
    expect(
      verifySignature(request, claim as NonNullable<typeof claim>, EXAMPLE_SECRET, Buffer.alloc(0)),
    ).toBe(false);
  });
});
