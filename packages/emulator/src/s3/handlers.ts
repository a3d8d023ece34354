import type { Authenticated } from '../auth.js';
import { s3Error } from '../http/errors.js';
import { type Reply, xmlReply } from '../http/reply.js';
import type { WireRequest } from '../sigv4/canonical.js';
import { parseXml, toXml, type XmlElements } from '../xml.js';
import { verifyChecksums } from './checksums.js';
import type { S3Route } from './route.js';
import type { ObjectStore, StoredObject } from './store.js';

const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export interface S3Context {
  route: S3Route;
  request: WireRequest;
  auth: Authenticated;
  store: ObjectStore;
  region: string;
}

function header(request: WireRequest, name: string): string | undefined {
  return request.headers[name]?.[0];
}

function userMetadata(request: WireRequest): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, values] of Object.entries(request.headers)) {
    if (name.startsWith('x-amz-meta-') && values?.[0] !== undefined)
      metadata[name.slice('x-amz-meta-'.length)] = values[0];
  }
  return metadata;
}

/** Checksums from headers and from `aws-chunked` trailers, verified against the body. */
function checksumsOf({ request, auth }: S3Context): Record<string, string> {
  const declared: Record<string, string | undefined> = {
    'content-md5': header(request, 'content-md5'),
    ...auth.trailers,
  };
  for (const name of Object.keys(request.headers)) {
    if (name.startsWith('x-amz-checksum-') && name !== 'x-amz-checksum-algorithm')
      declared[name] = header(request, name);
  }
  return verifyChecksums(auth.payload, declared);
}

function objectHeaders(object: StoredObject, withChecksums: boolean): Record<string, string | number> {
  const headers: Record<string, string | number> = {
    'content-type': object.contentType,
    etag: object.etag,
    'last-modified': object.lastModified.toUTCString(),
    'accept-ranges': 'bytes',
  };
  for (const [name, value] of Object.entries(object.metadata)) headers[`x-amz-meta-${name}`] = value;
  if (withChecksums) Object.assign(headers, object.checksums);
  return headers;
}

/** A single `bytes=start-end` range (the form the SDK and browsers send); anything else is ignored, as S3 does. */
function byteRange(
  rangeHeader: string | undefined,
  size: number,
): [number, number] | undefined | 'unsatisfiable' {
  const match = rangeHeader === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(rangeHeader.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  return start >= size || start > end ? 'unsatisfiable' : [start, end];
}

function partNumberOf(route: S3Route): number {
  const value = Number(route.query.get('partNumber'));
  if (!Number.isInteger(value) || value < 1 || value > 10_000) {
    throw s3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', {
      ArgumentName: 'partNumber',
      ArgumentValue: route.query.get('partNumber') ?? '',
    });
  }
  return value;
}

function completedParts(body: Buffer): Array<{ partNumber: number; etag: string }> {
  const doc = parseXml(body, () => s3Error('MalformedXML'));
  const root = doc.CompleteMultipartUpload as { Part?: unknown } | undefined;
  if (!root || typeof root !== 'object') throw s3Error('MalformedXML');
  const parts = Array.isArray(root.Part) ? root.Part : root.Part === undefined ? [] : [root.Part];
  return parts.map((part: { PartNumber?: string; ETag?: string }) => {
    const partNumber = Number(part?.PartNumber);
    if (!Number.isInteger(partNumber) || typeof part?.ETag !== 'string') throw s3Error('MalformedXML');
    return { partNumber, etag: part.ETag };
  });
}

function listObjectsV2({ route, store }: S3Context): Reply {
  const q = route.query;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const maxKeysText = q.get('max-keys');
  const maxKeys = maxKeysText === undefined ? 1000 : Number(maxKeysText);
  if (!Number.isInteger(maxKeys) || maxKeys < 0) {
    throw s3Error('InvalidArgument', 'Provided max-keys not an integer or within integer range', {
      ArgumentName: 'max-keys',
    });
  }
  const token = q.get('continuation-token');
  let after = q.get('start-after') ?? '';
  if (token !== undefined) {
    after = Buffer.from(token, 'base64url').toString('utf8');
    if (Buffer.from(after).toString('base64url') !== token) {
      throw s3Error('InvalidArgument', 'The continuation token provided is incorrect', {
        ArgumentName: 'continuation-token',
      });
    }
  }
  const encode = q.get('encoding-type') === 'url' ? encodeURIComponent : (s: string) => s;
  const result = store.list(route.bucket, prefix, delimiter, Math.min(maxKeys, 1000), after);
  const body: XmlElements = {
    Name: route.bucket,
    Prefix: encode(prefix),
    Delimiter: delimiter ? encode(delimiter) : undefined,
    MaxKeys: Math.min(maxKeys, 1000),
    EncodingType: q.get('encoding-type'),
    KeyCount: result.objects.length + result.commonPrefixes.length,
    IsTruncated: result.isTruncated,
    ContinuationToken: token,
    NextContinuationToken:
      result.nextMarker === undefined ? undefined : Buffer.from(result.nextMarker).toString('base64url'),
    StartAfter: q.get('start-after'),
    Contents: result.objects.map((o) => ({
      Key: encode(o.key),
      LastModified: o.lastModified,
      ETag: o.etag,
      Size: o.body.length,
      StorageClass: 'STANDARD',
    })),
    CommonPrefixes: result.commonPrefixes.map((p) => ({ Prefix: encode(p) })),
  };
  return xmlReply(toXml('ListBucketResult', body, S3_XMLNS));
}

function getObject(ctx: S3Context, head: boolean): Reply {
  const object = ctx.store.get(ctx.route.bucket, ctx.route.key);
  const range = byteRange(header(ctx.request, 'range'), object.body.length);
  if (range === 'unsatisfiable') {
    throw s3Error('InvalidArgument', 'The requested range is not satisfiable', {
      RangeRequested: header(ctx.request, 'range') ?? '',
    });
  }
  const withChecksums = header(ctx.request, 'x-amz-checksum-mode') === 'ENABLED' && range === undefined;
  const headers = objectHeaders(object, withChecksums);
  if (range === undefined)
    return {
      status: 200,
      headers: { ...headers, 'content-length': object.body.length },
      body: head ? undefined : object.body,
    };
  const [start, end] = range;
  return {
    status: 206,
    headers: {
      ...headers,
      'content-range': `bytes ${start}-${end}/${object.body.length}`,
      'content-length': end - start + 1,
    },
    body: head ? undefined : object.body.subarray(start, end + 1),
  };
}

/** Answers an authenticated S3 request; errors are thrown as {@link AwsError}s. */
export function handleS3(ctx: S3Context): Reply {
  const { route, store, auth, request } = ctx;
  const { bucket, key } = route;
  switch (route.action) {
    case 'ListBuckets': {
      const buckets = store.listBuckets().map(({ name, created }) => ({ Name: name, CreationDate: created }));
      return xmlReply(
        toXml(
          'ListAllMyBucketsResult',
          { Owner: { ID: auth.credentials.arn }, Buckets: { Bucket: buckets } },
          S3_XMLNS,
        ),
      );
    }
    case 'CreateBucket':
      if (auth.payload.length > 0) parseXml(auth.payload, () => s3Error('MalformedXML'));
      store.createBucket(bucket);
      return { status: 200, headers: { location: `/${bucket}` } };
    case 'HeadBucket':
      store.bucket(bucket);
      return { status: 200, headers: { 'x-amz-bucket-region': ctx.region } };
    case 'DeleteBucket':
      store.deleteBucket(bucket);
      return { status: 204 };
    case 'ListObjectsV2':
      return listObjectsV2(ctx);
    case 'PutObject': {
      store.bucket(bucket);
      const checksums = checksumsOf(ctx);
      const stored = store.put(bucket, key, {
        body: auth.payload,
        contentType: header(request, 'content-type') ?? 'binary/octet-stream',
        metadata: userMetadata(request),
        checksums,
      });
      return { status: 200, headers: { etag: stored.etag, ...checksums } };
    }
    case 'GetObject':
      return getObject(ctx, false);
    case 'HeadObject':
      return getObject(ctx, true);
    case 'DeleteObject':
      store.delete(bucket, key);
      return { status: 204 };
    case 'CreateMultipartUpload': {
      const uploadId = store.createUpload(
        bucket,
        key,
        header(request, 'content-type') ?? 'binary/octet-stream',
        userMetadata(request),
      );
      return xmlReply(
        toXml('InitiateMultipartUploadResult', { Bucket: bucket, Key: key, UploadId: uploadId }, S3_XMLNS),
      );
    }
    case 'UploadPart': {
      const partNumber = partNumberOf(route);
      const checksums = checksumsOf(ctx);
      const etag = store.uploadPart(
        bucket,
        key,
        route.query.get('uploadId') as string,
        partNumber,
        auth.payload,
      );
      return { status: 200, headers: { etag, ...checksums } };
    }
    case 'CompleteMultipartUpload': {
      const stored = store.completeUpload(
        bucket,
        key,
        route.query.get('uploadId') as string,
        completedParts(auth.payload),
      );
      return xmlReply(
        toXml(
          'CompleteMultipartUploadResult',
          { Location: `/${bucket}/${encodeURI(key)}`, Bucket: bucket, Key: key, ETag: stored.etag },
          S3_XMLNS,
        ),
      );
    }
    case 'AbortMultipartUpload':
      store.abortUpload(bucket, key, route.query.get('uploadId') as string);
      return { status: 204 };
    case 'Unsupported':
      throw s3Error('NotImplemented', 'The emulator does not implement this S3 operation.');
  }
}
