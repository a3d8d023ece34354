import { AwsError } from './http/errors.js';
import { jsonReply, type Reply } from './http/reply.js';
import type { RotatingCredentials } from './rotating-credentials.js';
import type { WireRequest } from './sigv4/canonical.js';

export const CONTAINER_PATH = '/_credwatch/container/credentials';

/** The ECS / EKS Pod Identity credentials endpoint: JSON, with an optional `Authorization` token check. */
export class ContainerService {
  constructor(
    private readonly credentials: RotatingCredentials,
    private readonly authToken: string | undefined,
    private readonly accountId: string,
    private readonly roleArn: string,
    private readonly serveExpired: () => boolean,
  ) {}

  handle(request: WireRequest): Reply {
    if (request.method !== 'GET') throw new AwsError('MethodNotAllowed', 405, 'Only GET is supported.');
    if (this.authToken !== undefined && request.headers.authorization?.[0] !== this.authToken) {
      throw new AwsError('AccessDenied', 401, 'Authorization token is missing or does not match.');
    }
    const creds = this.serveExpired() ? this.credentials.expired() : this.credentials.get();
    return jsonReply({
      AccessKeyId: creds.accessKeyId,
      SecretAccessKey: creds.secretAccessKey,
      Token: creds.sessionToken,
      AccountId: this.accountId,
      Expiration: (creds.expiration as Date).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      RoleArn: this.roleArn,
    });
  }
}
