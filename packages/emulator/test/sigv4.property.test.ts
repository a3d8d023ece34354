import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readSigV4Claim } from '../src/sigv4/claim.js';
import { verifySignature } from '../src/sigv4/verify.js';
import { queryString, signRequest, toWire } from './signing.js';

// The verifier against the SDK's signer: a correctly signed request always verifies, and any
// single-character change to a part the signature covers never does.
const KEY = {
  accessKeyId: 'AKIAPROPERTYTEST0001',
  secretAccessKey: 'property/test+secret/key/0000000000000000',
};
const HOST = '127.0.0.1:4566';
const unreserved = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~');
const anyChar = fc.constantFrom(..."abcXYZ019-_.~ !$&'()*+,;=:@/?#[]%é中");
const word = (chars: fc.Arbitrary<string>, min = 1, max = 12) =>
  fc.string({ unit: chars, minLength: min, maxLength: max });

const requestArb = fc.record({
  service: fc.constantFrom('s3' as const, 'sts' as const),
  method: fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'HEAD'),
  segments: fc.array(word(anyChar), { minLength: 1, maxLength: 4 }),
  query: fc.dictionary(word(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz-')), word(anyChar, 0), {
    maxKeys: 4,
  }),
  headers: fc.dictionary(
    word(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'), 3, 10).map((n) => `x-amz-meta-${n}`),
    word(unreserved, 1, 20),
    { maxKeys: 3 },
  ),
  body: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  secondsAgo: fc.integer({ min: 0, max: 600 }),
});

type Generated = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

async function signedWire(r: Generated) {
  const path = `/${r.segments.map((s) => encodeURIComponent(s)).join('/')}`;
  const signed = await signRequest(
    HOST,
    KEY,
    { service: r.service, method: r.method, path, query: r.query, headers: r.headers, body: r.body },
    new Date(Date.now() - r.secondsAgo * 1000),
  );
  return { signed, wire: toWire(signed) };
}

function verifies(wire: ReturnType<typeof toWire>, body: Buffer): boolean {
  const claim = readSigV4Claim(wire);
  if (!claim) throw new Error('no claim');
  return verifySignature(wire, claim, KEY.secretAccessKey, body);
}

function authorizationOf(headers: Record<string, string[] | undefined>): string {
  const [authorization] = headers.authorization ?? [];
  if (authorization === undefined) throw new Error('the signer set no Authorization header');
  return authorization;
}

function replaceCharAt(text: string, index: number, alphabet: string): string {
  const i = index % text.length;
  const current = text[i] as string;
  const replacement = [...alphabet].find((c) => c !== current) as string;
  return text.slice(0, i) + replacement + text.slice(i + 1);
}

describe('SigV4 verification (property)', () => {
  it('a request signed with the right secret always verifies', async () => {
    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => {
        const { wire } = await signedWire(r);
        expect(verifies(wire, r.body)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('any single-character change to a signed part never verifies', async () => {
    const part = fc.constantFrom('method', 'path', 'query', 'header', 'date', 'signature', 'body', 'scope');
    await fc.assert(
      fc.asyncProperty(requestArb, part, fc.nat(), async (r, which, at) => {
        const { signed, wire } = await signedWire(r);
        let body = r.body;
        const headers = { ...wire.headers };
        let { method, url } = wire;
        const [path, qs = ''] = url.split('?') as [string, string?];
        switch (which) {
          case 'method':
            method = method === 'GET' ? 'PUT' : 'GET';
            break;
          case 'path':
            url = `${replaceCharAt(path, Math.max(1, at), 'abc')}${qs ? `?${qs}` : ''}`;
            break;
          case 'query': {
            const names = Object.keys(signed.query).filter((n) => !n.startsWith('X-Amz-'));
            const name = names[at % Math.max(1, names.length)];
            const query = { ...signed.query };
            if (name === undefined) query.added = 'x';
            else query[name] = query[name] === '' ? 'x' : replaceCharAt(query[name] as string, at, 'abc');
            url = `${path}?${queryString(query)}`;
            break;
          }
          case 'header': {
            const name = Object.keys(r.headers)[at % Math.max(1, Object.keys(r.headers).length)] ?? 'host';
            const value = headers[name]?.[0] as string;
            headers[name] = [
              name === 'host' ? value.replace('4566', '4567') : replaceCharAt(value, at, 'abc'),
            ];
            break;
          }
          case 'date': {
            const date = headers['x-amz-date']?.[0] as string;
            headers['x-amz-date'] = [date.slice(0, -2) + (date.slice(-2, -1) === '0' ? '1Z' : '0Z')];
            break;
          }
          case 'signature':
            headers.authorization = [
              authorizationOf(headers).replace(
                /Signature=([0-9a-f]+)/,
                (_, sig: string) => `Signature=${replaceCharAt(sig, at, '0123456789abcdef')}`,
              ),
            ];
            break;
          case 'body':
            // S3 signs the declared x-amz-content-sha256 (checked against the body separately); STS signs the body hash.
            if (r.service === 's3')
              headers['x-amz-content-sha256'] = [
                replaceCharAt(headers['x-amz-content-sha256']?.[0] as string, at, '0123456789abcdef'),
              ];
            else body = Buffer.concat([body, Buffer.from([at & 0xff])]);
            break;
          case 'scope':
            headers.authorization = [authorizationOf(headers).replace('/us-east-1/', '/us-east-2/')];
            break;
        }
        expect(verifies({ method, url, headers }, body)).toBe(false);
      }),
      { numRuns: 400 },
    );
  });
});
