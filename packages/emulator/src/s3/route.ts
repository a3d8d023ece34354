import { parseQuery, splitUrl } from '../sigv4/canonical.js';
import { uriUnescape } from '../sigv4/encoding.js';

export type S3Action =
  | 'ListBuckets'
  | 'CreateBucket'
  | 'HeadBucket'
  | 'DeleteBucket'
  | 'ListObjectsV2'
  | 'PutObject'
  | 'GetObject'
  | 'HeadObject'
  | 'DeleteObject'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'Unsupported';

export interface S3Route {
  action: S3Action;
  bucket: string;
  key: string;
  query: Map<string, string>;
}

/** Maps a path-style request (`/bucket/key?…`) to its S3 operation. */
export function routeS3(method: string, url: string): S3Route {
  const { path, query: rawQuery } = splitUrl(url);
  const query = new Map(parseQuery(rawQuery));
  const slash = path.indexOf('/', 1);
  const bucket = uriUnescape(slash === -1 ? path.slice(1) : path.slice(1, slash));
  const key = slash === -1 ? '' : uriUnescape(path.slice(slash + 1));
  const route = (action: S3Action): S3Route => ({ action, bucket, key, query });

  if (bucket === '') return route(method === 'GET' ? 'ListBuckets' : 'Unsupported');
  if (key === '') {
    switch (method) {
      case 'PUT':
        return route(query.size === 0 ? 'CreateBucket' : 'Unsupported');
      case 'HEAD':
        return route('HeadBucket');
      case 'DELETE':
        return route('DeleteBucket');
      case 'GET':
        return route(query.get('list-type') === '2' ? 'ListObjectsV2' : 'Unsupported');
      default:
        return route('Unsupported');
    }
  }
  switch (method) {
    case 'PUT':
      if (query.has('partNumber') && query.has('uploadId')) return route('UploadPart');
      return route(query.has('uploadId') || query.has('partNumber') ? 'Unsupported' : 'PutObject');
    case 'GET':
      return route('GetObject');
    case 'HEAD':
      return route('HeadObject');
    case 'DELETE':
      return route(query.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject');
    case 'POST':
      if (query.has('uploads')) return route('CreateMultipartUpload');
      return route(query.has('uploadId') ? 'CompleteMultipartUpload' : 'Unsupported');
    default:
      return route('Unsupported');
  }
}
