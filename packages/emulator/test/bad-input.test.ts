import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { patternedBody, rawRequest, rawSocket, sha256 } from './helpers.js';
import { sendSigned } from './signing.js';

// Requests the SDK would never send. Each gets an AWS-shaped answer, the server stays up,
// and what was stored before is still there, byte for byte.
let emulator: Emulator;
const stored = patternedBody(4096);

beforeAll(async () => {
  emulator = await startEmulator({ maxBodySize: 1024 * 1024 });
  const key = emulator.longTermKey;
  expect((await sendSigned(emulator.endpoint, key, { method: 'PUT', path: '/keep' })).status).toBe(200);
  expect(
    (await sendSigned(emulator.endpoint, key, { method: 'PUT', path: '/keep/object.bin', body: stored }))
      .status,
  ).toBe(200);
});

afterAll(async () => {
  // Nothing above damaged the stored object, and the server still answers.
  const res = await sendSigned(emulator.endpoint, emulator.longTermKey, {
    method: 'GET',
    path: '/keep/object.bin',
  });
  expect(res.status).toBe(200);
  expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(stored));
  const list = await sendSigned(emulator.endpoint, emulator.longTermKey, {
    method: 'GET',
    path: '/keep',
    query: { 'list-type': '2' },
  });
  expect(await list.text()).toContain('<KeyCount>1</KeyCount>');
  await emulator.stop();
});

function code(xml: string): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
}

describe('malformed signatures', () => {
  it.each([
    ['a v2 signature', 'AWS AKIAEXAMPLE:c2lnbmF0dXJl'],
    [
      'no Signature part',
      'AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20240101/us-east-1/s3/aws4_request, SignedHeaders=host',
    ],
    [
      'a short Credential',
      `AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/us-east-1, SignedHeaders=host, Signature=${'a'.repeat(64)}`,
    ],
    ['garbage', '~~~ not even close ==='],
  ])('%s is AuthorizationHeaderMalformed', async (_, authorization) => {
    const res = await rawRequest(`${emulator.endpoint}/keep/object.bin`, {
      headers: { authorization, 'x-amz-date': '20240101T000000Z' },
    });
    expect(res.status).toBe(400);
    expect(code(res.body)).toBe('AuthorizationHeaderMalformed');
    expect(res.body).toMatch(/<RequestId>[0-9A-F]{16}<\/RequestId>/);
  });

  it('an unsigned S3 request is AccessDenied', async () => {
    const res = await rawRequest(`${emulator.endpoint}/keep/object.bin`);
    expect([res.status, code(res.body)]).toEqual([403, 'AccessDenied']);
  });

  it('a presigned URL missing parameters is AuthorizationQueryParametersError', async () => {
    const res = await rawRequest(
      `${emulator.endpoint}/keep/object.bin?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc`,
    );
    expect([res.status, code(res.body)]).toEqual([400, 'AuthorizationQueryParametersError']);
  });

  it('a HEAD request that fails gets the bare status with no body', async () => {
    const res = await rawRequest(`${emulator.endpoint}/keep/object.bin`, { method: 'HEAD' });
    expect(res.status).toBe(403);
    expect(res.body).toBe('');
  });
});

describe('STS bad input', () => {
  const form = { 'content-type': 'application/x-www-form-urlencoded' };

  it('an unknown action is InvalidAction in STS XML', async () => {
    const res = await rawRequest(emulator.endpoint, {
      method: 'POST',
      headers: form,
      body: 'Action=LaunchRockets&Version=2011-06-15',
    });
    expect(res.status).toBe(400);
    expect(res.body).toContain('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">');
    expect(res.body).toContain('<Type>Sender</Type><Code>InvalidAction</Code>');
  });

  it('a form body without an Action is MissingAction', async () => {
    const res = await rawRequest(emulator.endpoint, {
      method: 'POST',
      headers: form,
      body: '%%%garbage&&==',
    });
    expect([res.status, code(res.body)]).toEqual([400, 'MissingAction']);
  });

  it('AssumeRoleWithWebIdentity without a role is MissingParameter; a bad role ARN is ValidationError', async () => {
    const missing = await rawRequest(emulator.endpoint, {
      method: 'POST',
      headers: form,
      body: 'Action=AssumeRoleWithWebIdentity&Version=2011-06-15',
    });
    expect([missing.status, code(missing.body)]).toEqual([400, 'MissingParameter']);
    const invalid = await rawRequest(emulator.endpoint, {
      method: 'POST',
      headers: form,
      body: 'Action=AssumeRoleWithWebIdentity&RoleArn=nope&RoleSessionName=s1&WebIdentityToken=t',
    });
    expect([invalid.status, code(invalid.body)]).toEqual([400, 'ValidationError']);
  });

  it('DurationSeconds below the minimum is ValidationError naming the constraint', async () => {
    const res = await sendSigned(emulator.endpoint, emulator.longTermKey, {
      service: 'sts',
      method: 'POST',
      path: '/',
      headers: form,
      body: `Action=AssumeRole&Version=2011-06-15&RoleArn=${encodeURIComponent(emulator.roleArn)}&RoleSessionName=s1&DurationSeconds=60`,
    });
    const body = await res.text();
    expect([res.status, code(body)]).toEqual([400, 'ValidationError']);
    expect(body).toContain('Member must have value greater than or equal to 900');
  });
});

describe('S3 bad bodies', () => {
  it('garbage XML in CompleteMultipartUpload is MalformedXML, and the upload survives it', async () => {
    const key = emulator.longTermKey;
    const created = await sendSigned(emulator.endpoint, key, {
      method: 'POST',
      path: '/keep/mp.bin',
      query: { uploads: '' },
    });
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(await created.text())?.[1] as string;
    const part = await sendSigned(emulator.endpoint, key, {
      method: 'PUT',
      path: '/keep/mp.bin',
      query: { partNumber: '1', uploadId },
      body: 'only part',
    });
    const etag = part.headers.get('etag');
    const complete = (body: string) =>
      sendSigned(emulator.endpoint, key, { method: 'POST', path: '/keep/mp.bin', query: { uploadId }, body });
    const onePart = (partEtag: string) =>
      `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${partEtag}</ETag></Part></CompleteMultipartUpload>`;
    const garbage = await complete('<Complete<<>');
    expect([garbage.status, code(await garbage.text())]).toEqual([400, 'MalformedXML']);
    const wrongEtag = await complete(onePart('"0000"'));
    expect([wrongEtag.status, code(await wrongEtag.text())]).toEqual([400, 'InvalidPart']);
    const done = await complete(onePart(etag as string));
    expect(done.status).toBe(200);
    const got = await sendSigned(emulator.endpoint, key, { method: 'GET', path: '/keep/mp.bin' });
    expect(await got.text()).toBe('only part');
    await sendSigned(emulator.endpoint, key, { method: 'DELETE', path: '/keep/mp.bin' });
  });

  it('a body that does not match x-amz-content-sha256 is XAmzContentSHA256Mismatch and is not stored', async () => {
    const res = await sendSigned(emulator.endpoint, emulator.longTermKey, {
      method: 'PUT',
      path: '/keep/object.bin',
      headers: { 'x-amz-content-sha256': sha256('something else') },
      body: 'overwrite attempt',
    });
    expect([res.status, code(await res.text())]).toEqual([400, 'XAmzContentSHA256Mismatch']);
  });

  it('a wrong Content-MD5 is BadDigest and is not stored', async () => {
    const res = await sendSigned(emulator.endpoint, emulator.longTermKey, {
      method: 'PUT',
      path: '/keep/object.bin',
      headers: { 'content-md5': '1B2M2Y8AsgTpgAmY7PhCfg==' },
      body: 'overwrite attempt',
    });
    expect([res.status, code(await res.text())]).toEqual([400, 'BadDigest']);
  });

  it('a body over maxBodySize is EntityTooLarge', async () => {
    const res = await rawRequest(`${emulator.endpoint}/keep/huge.bin`, {
      method: 'PUT',
      body: Buffer.alloc(2 * 1024 * 1024),
    });
    expect([res.status, code(res.body)]).toEqual([400, 'EntityTooLarge']);
  });
});

describe('broken HTTP', () => {
  it('oversized headers are RequestHeaderSectionTooLarge', async () => {
    const answer = await rawSocket(
      emulator.endpoint,
      `GET /keep/object.bin HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1.1 400 Bad Request/);
    expect(code(answer)).toBe('RequestHeaderSectionTooLarge');
  });

  it('a request line that is not HTTP is InvalidRequest', async () => {
    const answer = await rawSocket(emulator.endpoint, 'HELLO THERE\r\n\r\n');
    expect(code(answer)).toBe('InvalidRequest');
  });

  it('a truncated upload stores nothing and is answered with IncompleteBody when the socket is still open', async () => {
    const answer = await rawSocket(
      emulator.endpoint,
      'PUT /keep/object.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nonly-a-little',
    );
    // The client half-closed the connection, so the emulator can still answer.
    expect(code(answer)).toBe('IncompleteBody');
    expect(emulator.stats.calls('s3:unreadable')).toBeGreaterThanOrEqual(1);
  });

  it('IMDS token requests without a valid TTL are 400', async () => {
    const res = await rawRequest(`${emulator.urls.imds}/latest/api/token`, { method: 'PUT' });
    expect(res.status).toBe(400);
    const other = await rawRequest(`${emulator.urls.imds}/latest/meta-data/ami-id`);
    expect(other.status).toBe(404);
  });
});
