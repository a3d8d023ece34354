import { randomBytes } from 'node:crypto';
import type { Authenticator } from './auth.js';
import type { CredentialStore, IssuedCredentials } from './credentials.js';
import { stsError } from './http/errors.js';
import { type Reply, xmlReply } from './http/reply.js';
import type { WireRequest } from './sigv4/canonical.js';
import { parseQuery, splitUrl } from './sigv4/canonical.js';
import { toXml, type XmlElements } from './xml.js';

const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/((?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

export interface StsSettings {
  accountId: string;
  /** Lifetime of credentials when the caller does not ask for `DurationSeconds`. */
  defaultLifetimeMs: number;
  minDurationSeconds: number;
  maxDurationSeconds: number;
  /** When set, `AssumeRoleWithWebIdentity` accepts only this token. */
  webIdentityToken: string | undefined;
}

/** Query-protocol parameters from the query string and the form-encoded body. */
export function stsParams(request: WireRequest, body: Buffer): Map<string, string> {
  const params = new Map(parseQuery(splitUrl(request.url).query));
  for (const [name, value] of new URLSearchParams(body.toString('utf8'))) params.set(name, value);
  return params;
}

function required(params: Map<string, string>, name: string): string {
  const value = params.get(name);
  if (value === undefined || value === '')
    throw stsError('MissingParameter', `The request must contain the parameter ${name}`);
  return value;
}

function validationError(field: string, value: string, constraint: string) {
  return stsError(
    'ValidationError',
    `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${constraint}`,
  );
}

function roleFrom(params: Map<string, string>): {
  roleArn: string;
  account: string;
  roleName: string;
  session: string;
} {
  const roleArn = required(params, 'RoleArn');
  const match = ROLE_ARN.exec(roleArn);
  if (!match)
    throw validationError(
      'roleArn',
      roleArn,
      'Member must be a role ARN (arn:aws:iam::<account>:role/<name>)',
    );
  const session = required(params, 'RoleSessionName');
  if (!SESSION_NAME.test(session)) {
    throw validationError(
      'roleSessionName',
      session,
      'Member must satisfy regular expression pattern: [\\w+=,.@-]{2,64}',
    );
  }
  return { roleArn, account: match[1] as string, roleName: match[3] as string, session };
}

function credentialsXml(credentials: IssuedCredentials): XmlElements {
  return {
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    SessionToken: credentials.sessionToken,
    Expiration: (credentials.expiration as Date).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

function respond(action: string, result: XmlElements, requestId: string): Reply {
  return xmlReply(
    toXml(
      `${action}Response`,
      { [`${action}Result`]: result, ResponseMetadata: { RequestId: requestId } },
      STS_XMLNS,
    ),
    { 'content-type': 'text/xml' },
  );
}

function roleId(): string {
  return `AROA${randomBytes(16).toString('hex').toUpperCase().slice(0, 17)}`;
}

export class StsService {
  constructor(
    private readonly store: CredentialStore,
    private readonly auth: Authenticator,
    private readonly settings: StsSettings,
  ) {}

  private lifetimeMs(params: Map<string, string>): number {
    const text = params.get('DurationSeconds');
    if (text === undefined) return this.settings.defaultLifetimeMs;
    const seconds = Number(text);
    const { minDurationSeconds: min, maxDurationSeconds: max } = this.settings;
    if (!Number.isInteger(seconds) || seconds < min) {
      throw validationError(
        'durationSeconds',
        text,
        `Member must have value greater than or equal to ${min}`,
      );
    }
    if (seconds > max)
      throw validationError('durationSeconds', text, `Member must have value less than or equal to ${max}`);
    return seconds * 1000;
  }

  handle(
    action: string,
    params: Map<string, string>,
    request: WireRequest,
    body: Buffer,
    requestId: string,
  ): Reply {
    switch (action) {
      case 'AssumeRole': {
        this.auth.authenticate('sts', action, request, body);
        const { account, roleName, session } = roleFrom(params);
        const arn = `arn:aws:sts::${account}:assumed-role/${roleName}/${session}`;
        const credentials = this.store.issueSession('sts:AssumeRole', this.lifetimeMs(params), arn);
        return respond(
          action,
          {
            AssumedRoleUser: { AssumedRoleId: `${roleId()}:${session}`, Arn: arn },
            Credentials: credentialsXml(credentials),
          },
          requestId,
        );
      }
      case 'AssumeRoleWithWebIdentity': {
        const { account, roleName, session } = roleFrom(params);
        const token = required(params, 'WebIdentityToken');
        if (this.settings.webIdentityToken !== undefined && token !== this.settings.webIdentityToken) {
          throw stsError('InvalidIdentityToken');
        }
        const arn = `arn:aws:sts::${account}:assumed-role/${roleName}/${session}`;
        const credentials = this.store.issueSession(
          'sts:AssumeRoleWithWebIdentity',
          this.lifetimeMs(params),
          arn,
        );
        return respond(
          action,
          {
            SubjectFromWebIdentityToken: 'system:serviceaccount:default:credwatch',
            Audience: 'sts.amazonaws.com',
            AssumedRoleUser: { AssumedRoleId: `${roleId()}:${session}`, Arn: arn },
            Provider: 'credwatch-emulator',
            Credentials: credentialsXml(credentials),
          },
          requestId,
        );
      }
      case 'GetSessionToken': {
        const { credentials: caller } = this.auth.authenticate('sts', action, request, body);
        if (caller.sessionToken !== undefined) {
          throw stsError('AccessDenied', 'Cannot call GetSessionToken with session credentials');
        }
        const credentials = this.store.issueSession(
          'sts:GetSessionToken',
          this.lifetimeMs(params),
          caller.arn,
        );
        return respond(action, { Credentials: credentialsXml(credentials) }, requestId);
      }
      case 'GetCallerIdentity': {
        const { credentials } = this.auth.authenticate('sts', action, request, body);
        const account = /::(\d{12}):/.exec(credentials.arn)?.[1] ?? this.settings.accountId;
        return respond(
          action,
          { UserId: credentials.accessKeyId, Account: account, Arn: credentials.arn },
          requestId,
        );
      }
      default:
        throw stsError(
          'InvalidAction',
          `Could not find operation ${action} for version ${params.get('Version') ?? 'NO_VERSION_SPECIFIED'}`,
        );
    }
  }
}
