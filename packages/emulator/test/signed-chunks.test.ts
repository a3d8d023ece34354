import { createHash } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { fetchSigned, sendSigned, signRequest } from './signing.js';

// STREAMING-AWS4-HMAC-SHA256-PAYLOAD: every chunk is signed, chained from the seed signature. The chunk
// signatures here come from the SDK's own signer (`signer.sign(stringToSign)`), not from the emulator's code.
let emulator: Emulator;
const hex = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

beforeAll(async () => {
  emulator = await startEmulator();
  await sendSigned(emulator.endpoint, emulator.longTermKey, { method: 'PUT', path: '/chunks' });
});
afterAll(() => emulator.stop());

async function chunkedPut(chunks: Buffer[], tamper?: (body: Buffer) => Buffer): Promise<Response> {
  const host = new URL(emulator.endpoint).host;
  const date = new Date();
  const decodedLength = chunks.reduce((n, c) => n + c.length, 0);
  const signed = await signRequest(
    host,
    emulator.longTermKey,
    {
      method: 'PUT',
      path: '/chunks/signed.bin',
      headers: {
        'content-encoding': 'aws-chunked',
        'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
        'x-amz-decoded-content-length': String(decodedLength),
      },
    },
    date,
  );
  const seed = /Signature=([0-9a-f]{64})/.exec(signed.headers.authorization as string)?.[1] as string;
  const amzDate = signed.headers['x-amz-date'] as string;
  const scope = `${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`;
  const signer = new SignatureV4({
    service: 's3',
    region: 'us-east-1',
    credentials: emulator.longTermKey,
    sha256: Hash.bind(null, 'sha256'),
  });
  let previous = seed;
  const parts: Buffer[] = [];
  for (const chunk of [...chunks, Buffer.alloc(0)]) {
    const stringToSign = ['AWS4-HMAC-SHA256-PAYLOAD', amzDate, scope, previous, hex(''), hex(chunk)].join(
      '\n',
    );
    previous = await signer.sign(stringToSign, { signingDate: date });
    parts.push(
      Buffer.from(`${chunk.length.toString(16)};chunk-signature=${previous}\r\n`),
      chunk,
      Buffer.from('\r\n'),
    );
  }
  const body = Buffer.concat(parts);
  return fetchSigned(emulator.endpoint, signed, tamper ? tamper(body) : body);
}

describe('signed aws-chunked uploads', () => {
  const chunks = [Buffer.alloc(8192, 'a'), Buffer.alloc(100, 'b')];

  it('verifies every chunk signature and stores the decoded payload', async () => {
    const res = await chunkedPut(chunks);
    expect(res.status).toBe(200);
    const got = await sendSigned(emulator.endpoint, emulator.longTermKey, {
      method: 'GET',
      path: '/chunks/signed.bin',
    });
    expect(Buffer.from(await got.arrayBuffer()).equals(Buffer.concat(chunks))).toBe(true);
  });

  it('one changed byte in a chunk is SignatureDoesNotMatch, and the stored object stays as it was', async () => {
    const res = await chunkedPut([Buffer.alloc(8192, 'c')], (body) => {
      const copy = Buffer.from(body);
      copy[copy.indexOf('\r\n') + 10] = 'd'.charCodeAt(0);
      return copy;
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain(
      '<Message>The chunk signature we calculated does not match the signature you provided.</Message>',
    );
    const got = await sendSigned(emulator.endpoint, emulator.longTermKey, {
      method: 'GET',
      path: '/chunks/signed.bin',
    });
    expect(Buffer.from(await got.arrayBuffer()).equals(Buffer.concat(chunks))).toBe(true);
  });

  it('a body cut short is IncompleteBody', async () => {
    const res = await chunkedPut(chunks, (body) => body.subarray(0, 5000));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('<Code>IncompleteBody</Code>');
  });
});
