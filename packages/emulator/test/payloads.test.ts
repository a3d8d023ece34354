import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { patternedBody, s3Client, sha256, uniqueBucket } from './helpers.js';

// The payload encodings and request shapes the SDK produces beyond plain buffers.
let emulator: Emulator;
let s3: S3Client;
let bucket: string;

beforeAll(async () => {
  emulator = await startEmulator();
  s3 = s3Client(emulator, { credentials: emulator.longTermKey });
  bucket = uniqueBucket('payloads');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(() => emulator.stop());

describe('payloads', () => {
  it('a stream body goes as aws-chunked with a CRC32 trailer, verified and stored intact', async () => {
    const body = patternedBody(300_000);
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'stream.bin',
        Body: Readable.from([body.subarray(0, 100_000), body.subarray(100_000)]),
        ContentLength: body.length,
      }),
    );
    expect(put.ChecksumCRC32).toMatch(/^[A-Za-z0-9+/]{6}==$/);
    const got = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'stream.bin', ChecksumMode: 'ENABLED' }),
    );
    expect(got.ChecksumCRC32).toBe(put.ChecksumCRC32);
    expect(
      sha256(
        Buffer.from(
          await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
        ),
      ),
    ).toBe(sha256(body));
  });

  it('presigned GET and PUT URLs work with fetch, and an expired one is refused', async () => {
    const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: 'presigned.txt' }), {
      expiresIn: 60,
    });
    expect((await fetch(putUrl, { method: 'PUT', body: 'via presigned url' })).status).toBe(200);
    const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'presigned.txt' }), {
      expiresIn: 60,
    });
    const res = await fetch(getUrl);
    expect(await res.text()).toBe('via presigned url');
    const old = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'presigned.txt' }), {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 120_000),
    });
    const expired = await fetch(old);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('<Message>Request has expired</Message>');
    const tampered = await fetch(getUrl.replace('presigned.txt', 'presigned.tx'));
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('ranges, delimiters and pagination behave like S3', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'range.txt', Body: '0123456789' }));
    const part = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'range.txt', Range: 'bytes=2-5' }),
    );
    expect([await part.Body?.transformToString(), part.ContentRange]).toEqual(['2345', 'bytes 2-5/10']);

    const listBucket = uniqueBucket('list');
    await s3.send(new CreateBucketCommand({ Bucket: listBucket }));
    for (const key of ['a/1', 'a/2', 'b/1', 'c', 'd', 'é'])
      await s3.send(new PutObjectCommand({ Bucket: listBucket, Key: key, Body: key }));
    const folded = await s3.send(new ListObjectsV2Command({ Bucket: listBucket, Delimiter: '/' }));
    expect(folded.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/', 'b/']);
    expect(folded.Contents?.map((c) => c.Key)).toEqual(['c', 'd', 'é']);
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: listBucket, MaxKeys: 4, ContinuationToken: token }),
      );
      pages.push(page.Contents?.map((c) => c.Key as string) ?? []);
      token = page.NextContinuationToken;
    } while (token);
    expect(pages).toEqual([
      ['a/1', 'a/2', 'b/1', 'c'],
      ['d', 'é'],
    ]);
  });

  it('dataDir keeps objects across restarts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'credwatch-data-'));
    const key = {
      accessKeyId: 'AKIAPERSISTENT000001',
      secretAccessKey: 'persistent-secret-key-0000000000000000000',
    };
    const first = await startEmulator({ dataDir, longTermKeys: [key] });
    const client = s3Client(first, { credentials: key });
    await client.send(new CreateBucketCommand({ Bucket: 'kept' }));
    await client.send(
      new PutObjectCommand({
        Bucket: 'kept',
        Key: 'dir/file name.txt',
        Body: 'still here',
        Metadata: { owner: 'credwatch' },
      }),
    );
    await first.stop();
    const second = await startEmulator({ dataDir, longTermKeys: [key] });
    try {
      const got = await s3Client(second, { credentials: key }).send(
        new GetObjectCommand({ Bucket: 'kept', Key: 'dir/file name.txt' }),
      );
      expect([await got.Body?.transformToString(), got.Metadata]).toEqual([
        'still here',
        { owner: 'credwatch' },
      ]);
    } finally {
      await second.stop();
    }
  });
});
