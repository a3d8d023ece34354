import { Readable } from 'node:stream';

const OBJECT = Buffer.from('a small object\n');

/**
 * Answers S3 in the process, with no socket: what is left is the SDK's own work (serialising, signing,
 * middleware, parsing) and whatever instrumentation adds to it.
 */
export const inProcessHandler = {
  async handle(request: { method: string }) {
    const headers: Record<string, string> = {
      etag: '"5d41402abc4b2a76b9719d911017c592"',
      'x-amz-request-id': 'BENCH',
    };
    if (request.method === 'GET') {
      headers['content-type'] = 'text/plain';
      headers['content-length'] = String(OBJECT.length);
      return { response: { statusCode: 200, headers, body: Readable.from([OBJECT]) } };
    }
    headers['content-length'] = '0';
    return { response: { statusCode: 200, headers, body: Readable.from([]) } };
  },
  updateHttpClientConfig() {},
  httpHandlerConfigs() {
    return {};
  },
};

/**
 * Session credentials from a provider that resolves to the same object until it refreshes, as the SDK's
 * memoized providers do.
 */
export function sessionCredentials(
  key = { accessKeyId: 'ASIABENCHMARK0000001', secretAccessKey: 'bench-secret' },
) {
  const identity = {
    ...key,
    sessionToken: 'bench-session-token',
    expiration: new Date(Date.now() + 3600_000),
  };
  return async () => identity;
}

/**
 * The S3 client settings every in-process suite measures with: path-style S3 answered by `inProcessHandler`,
 * signed with fresh session credentials.
 */
export function inProcessClientConfig() {
  return {
    region: 'us-east-1',
    endpoint: 'http://s3.bench.invalid',
    forcePathStyle: true,
    credentials: sessionCredentials(),
    requestHandler: inProcessHandler,
  };
}
