import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { expect } from 'vitest';
import type { Emulator } from '../src/index.js';

export { isolateAwsEnvironment, uniqueBucket, withEnv, writeFile } from '@credwatch/test-support';

export function s3Client(emulator: Emulator, config: S3ClientConfig = {}): S3Client {
  return new S3Client({
    region: emulator.region,
    endpoint: emulator.endpoint,
    forcePathStyle: true,
    ...config,
  });
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A body of `size` bytes that differs from part to part, so a misassembled upload is caught. */
export function patternedBody(size: number): Buffer {
  const body = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) body.writeUInt32BE(i, i);
  return body;
}

/** The S3 calls an app makes: bucket, put, get, head, list, a multipart upload, delete. */
export async function roundTrip(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: 'notes/hello.txt',
      Body: 'hello, credwatch',
      ContentType: 'text/plain',
    }),
  );
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'notes/hello.txt' }));
  expect(await got.Body?.transformToString()).toBe('hello, credwatch');
  expect(got.ContentType).toBe('text/plain');
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'notes/hello.txt' }));
  expect(head.ContentLength).toBe(16);

  const big = patternedBody(11 * 1024 * 1024);
  const upload = new Upload({
    client: s3,
    params: { Bucket: bucket, Key: 'big.bin', Body: big },
    partSize: 5 * 1024 * 1024,
  });
  const done = await upload.done();
  expect(done.ETag).toMatch(/^"[0-9a-f]{32}-3"$/);
  const back = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'big.bin' }));
  expect(
    sha256(
      Buffer.from(
        await (back.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
      ),
    ),
  ).toBe(sha256(big));

  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  expect(listed.Contents?.map((o) => o.Key)).toEqual(['big.bin', 'notes/hello.txt']);
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'notes/hello.txt' }));
  const after = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  expect(after.Contents?.map((o) => o.Key)).toEqual(['big.bin']);
}

/** The S3 actions one {@link roundTrip} signs, with how often. */
export const ROUND_TRIP_SIGNINGS = {
  's3:CreateBucket': 1,
  's3:PutObject': 1,
  's3:GetObject': 2,
  's3:HeadObject': 1,
  's3:CreateMultipartUpload': 1,
  's3:UploadPart': 3,
  's3:CompleteMultipartUpload': 1,
  's3:ListObjectsV2': 2,
  's3:DeleteObject': 1,
};

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A plain HTTP request, for what the SDK would never send. */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Writes raw bytes to the emulator's socket and returns whatever comes back before it closes. */
export function rawSocket(endpoint: string, payload: string | Buffer, halfClose = true): Promise<string> {
  const { hostname, port } = new URL(endpoint);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.write(payload, () => {
      if (halfClose) socket.end();
    });
  });
}
