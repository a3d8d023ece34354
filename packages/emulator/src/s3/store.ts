import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { s3Error } from '../http/errors.js';
import { newUploadId } from '../ids.js';

export interface StoredObject {
  key: string;
  body: Buffer;
  /** Quoted, as S3 sends it. */
  etag: string;
  lastModified: Date;
  contentType: string;
  /** `x-amz-meta-*` headers, names lower-cased without the prefix. */
  metadata: Record<string, string>;
  /** Verified `x-amz-checksum-*` values, by header name. */
  checksums: Record<string, string>;
}

export type NewObject = Omit<StoredObject, 'key' | 'etag' | 'lastModified'>;

interface Part {
  etag: string;
  body: Buffer;
}

interface MultipartUpload {
  key: string;
  contentType: string;
  metadata: Record<string, string>;
  parts: Map<number, Part>;
}

interface Bucket {
  name: string;
  created: Date;
  objects: Map<string, StoredObject>;
  uploads: Map<string, MultipartUpload>;
}

export interface ListResult {
  objects: StoredObject[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextMarker: string | undefined;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function md5(data: Buffer): Buffer {
  return createHash('md5').update(data).digest();
}

/**
 * Buckets, objects and multipart uploads, in memory and optionally mirrored to a directory.
 * Every change is applied whole or not at all, so a failed request never leaves partial state.
 */
export class ObjectStore {
  readonly #buckets = new Map<string, Bucket>();

  constructor(
    private readonly dataDir: string | undefined,
    private readonly minPartSize: number,
  ) {
    if (dataDir) this.load(dataDir);
  }

  listBuckets(): Array<{ name: string; created: Date }> {
    return [...this.#buckets.values()].map(({ name, created }) => ({ name, created }));
  }

  createBucket(name: string): void {
    if (!BUCKET_NAME.test(name) || name.includes('..'))
      throw s3Error('InvalidBucketName', undefined, { BucketName: name });
    if (this.#buckets.has(name)) throw s3Error('BucketAlreadyOwnedByYou', undefined, { BucketName: name });
    this.#buckets.set(name, { name, created: new Date(), objects: new Map(), uploads: new Map() });
    if (this.dataDir) mkdirSync(join(this.dataDir, name), { recursive: true });
  }

  bucket(name: string): Bucket {
    const bucket = this.#buckets.get(name);
    if (!bucket) throw s3Error('NoSuchBucket', undefined, { BucketName: name });
    return bucket;
  }

  deleteBucket(name: string): void {
    const bucket = this.bucket(name);
    if (bucket.objects.size > 0) throw s3Error('BucketNotEmpty', undefined, { BucketName: name });
    this.#buckets.delete(name);
    if (this.dataDir) rmSync(join(this.dataDir, name), { recursive: true, force: true });
  }

  put(bucketName: string, key: string, object: NewObject): StoredObject {
    const bucket = this.bucket(bucketName);
    const stored: StoredObject = {
      ...object,
      key,
      etag: `"${md5(object.body).toString('hex')}"`,
      lastModified: new Date(),
    };
    this.persist(bucketName, stored);
    bucket.objects.set(key, stored);
    return stored;
  }

  get(bucketName: string, key: string): StoredObject {
    const object = this.bucket(bucketName).objects.get(key);
    if (!object) throw s3Error('NoSuchKey', undefined, { Key: key });
    return object;
  }

  delete(bucketName: string, key: string): void {
    const bucket = this.bucket(bucketName);
    bucket.objects.delete(key);
    if (this.dataDir) rmSync(this.objectPath(bucketName, key), { force: true });
  }

  /** ListObjectsV2 semantics: keys in UTF-8 order after `startAfter`, folded into common prefixes by `delimiter`. */
  list(
    bucketName: string,
    prefix: string,
    delimiter: string,
    maxKeys: number,
    startAfter: string,
  ): ListResult {
    const bucket = this.bucket(bucketName);
    const keys = [...bucket.objects.keys()]
      .filter((k) => k.startsWith(prefix) && compareUtf8(k, startAfter) > 0)
      .sort(compareUtf8);
    const objects: StoredObject[] = [];
    const commonPrefixes: string[] = [];
    let last: string | undefined;
    let isTruncated = false;
    for (const key of keys) {
      const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
      const commonPrefix = cut === -1 ? undefined : key.slice(0, cut + delimiter.length);
      if (commonPrefix !== undefined && commonPrefix === commonPrefixes.at(-1)) {
        last = key;
        continue;
      }
      if (objects.length + commonPrefixes.length >= maxKeys) {
        isTruncated = true;
        break;
      }
      if (commonPrefix !== undefined) commonPrefixes.push(commonPrefix);
      else objects.push(bucket.objects.get(key) as StoredObject);
      last = key;
    }
    return { objects, commonPrefixes, isTruncated, nextMarker: isTruncated ? last : undefined };
  }

  createUpload(
    bucketName: string,
    key: string,
    contentType: string,
    metadata: Record<string, string>,
  ): string {
    const bucket = this.bucket(bucketName);
    const uploadId = newUploadId();
    bucket.uploads.set(uploadId, { key, contentType, metadata, parts: new Map() });
    return uploadId;
  }

  private upload(bucketName: string, key: string, uploadId: string): MultipartUpload {
    const upload = this.bucket(bucketName).uploads.get(uploadId);
    if (!upload || upload.key !== key) throw s3Error('NoSuchUpload', undefined, { UploadId: uploadId });
    return upload;
  }

  uploadPart(bucketName: string, key: string, uploadId: string, partNumber: number, body: Buffer): string {
    const upload = this.upload(bucketName, key, uploadId);
    const etag = `"${md5(body).toString('hex')}"`;
    upload.parts.set(partNumber, { etag, body });
    return etag;
  }

  completeUpload(
    bucketName: string,
    key: string,
    uploadId: string,
    requested: Array<{ partNumber: number; etag: string }>,
  ): StoredObject {
    const bucket = this.bucket(bucketName);
    const upload = this.upload(bucketName, key, uploadId);
    if (requested.length === 0) throw s3Error('MalformedXML', 'The XML you provided did not list any parts.');
    const parts: Part[] = [];
    let previous = 0;
    for (const [index, { partNumber, etag }] of requested.entries()) {
      if (partNumber <= previous) throw s3Error('InvalidPartOrder', undefined, { UploadId: uploadId });
      previous = partNumber;
      const part = upload.parts.get(partNumber);
      if (!part || part.etag.replaceAll('"', '') !== etag.replaceAll('"', '')) {
        throw s3Error('InvalidPart', undefined, {
          UploadId: uploadId,
          PartNumber: String(partNumber),
          ETag: etag,
        });
      }
      if (index < requested.length - 1 && part.body.length < this.minPartSize) {
        throw s3Error('EntityTooSmall', undefined, {
          ProposedSize: String(part.body.length),
          MinSizeAllowed: String(this.minPartSize),
          PartNumber: String(partNumber),
          ETag: part.etag,
        });
      }
      parts.push(part);
    }
    const digest = md5(Buffer.concat(parts.map((p) => Buffer.from(p.etag.replaceAll('"', ''), 'hex'))));
    const stored: StoredObject = {
      key,
      body: Buffer.concat(parts.map((p) => p.body)),
      etag: `"${digest.toString('hex')}-${parts.length}"`,
      lastModified: new Date(),
      contentType: upload.contentType,
      metadata: upload.metadata,
      checksums: {},
    };
    this.persist(bucketName, stored);
    bucket.objects.set(key, stored);
    bucket.uploads.delete(uploadId);
    return stored;
  }

  abortUpload(bucketName: string, key: string, uploadId: string): void {
    this.upload(bucketName, key, uploadId);
    this.bucket(bucketName).uploads.delete(uploadId);
  }

  private objectPath(bucketName: string, key: string): string {
    return join(this.dataDir as string, bucketName, Buffer.from(key).toString('base64url'));
  }

  /** Writes the object and its metadata beside each other, through a rename so a crash leaves no half file. */
  private persist(bucketName: string, object: StoredObject): void {
    if (!this.dataDir) return;
    const path = this.objectPath(bucketName, object.key);
    const { body, ...meta } = object;
    writeFileSync(`${path}.tmp`, body);
    writeFileSync(`${path}.json.tmp`, JSON.stringify(meta));
    renameSync(`${path}.json.tmp`, `${path}.json`);
    renameSync(`${path}.tmp`, path);
  }

  private load(dataDir: string): void {
    mkdirSync(dataDir, { recursive: true });
    for (const entry of readdirSync(dataDir, { withFileTypes: true })) {
      if (!entry.isDirectory() || !BUCKET_NAME.test(entry.name)) continue;
      const bucket: Bucket = {
        name: entry.name,
        created: new Date(),
        objects: new Map(),
        uploads: new Map(),
      };
      for (const file of readdirSync(join(dataDir, entry.name))) {
        if (!file.endsWith('.json')) continue;
        const path = join(dataDir, entry.name, file.slice(0, -'.json'.length));
        try {
          const meta = JSON.parse(readFileSync(`${path}.json`, 'utf8'));
          bucket.objects.set(meta.key, {
            ...meta,
            lastModified: new Date(meta.lastModified),
            body: readFileSync(path),
          });
        } catch {
          // An object whose body or metadata cannot be read was never completely written: skip it.
        }
      }
      this.#buckets.set(entry.name, bucket);
    }
  }
}

/** S3 lists keys in UTF-8 binary order. */
function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
