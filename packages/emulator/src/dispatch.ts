import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Authenticator } from './auth.js';
import { CONTAINER_PATH, type ContainerService } from './container.js';
import { CONTROL_PREFIX, type ControlService } from './control.js';
import type { EmulatedService, EndpointFault, FaultRegistry } from './faults.js';
import { readBody } from './http/body.js';
import { AwsError, s3Error, stsError } from './http/errors.js';
import { jsonReply, type Reply, textReply, writeReply, xmlReply } from './http/reply.js';
import { newRequestId } from './ids.js';
import { type ImdsService, imdsAction } from './imds.js';
import { handleS3 } from './s3/handlers.js';
import { routeS3 } from './s3/route.js';
import type { ObjectStore } from './s3/store.js';
import { splitUrl, type WireRequest } from './sigv4/canonical.js';
import { SSO_PATH, type SsoService } from './sso.js';
import type { StatsRecorder } from './stats.js';
import { type StsService, stsParams } from './sts.js';
import { toXml } from './xml.js';

type Service = EmulatedService | 'control';

export interface DispatchDeps {
  auth: Authenticator;
  sts: StsService;
  imds: ImdsService;
  container: ContainerService;
  sso: SsoService;
  control: ControlService;
  store: ObjectStore;
  faults: FaultRegistry;
  stats: StatsRecorder;
  region: string;
  maxBodySize: number;
  /** Server time as sent in `Date` headers (process clock plus injected skew). */
  serverTime: () => number;
}

/** Which emulated service a request is for; STS needs the body to know its action. */
function serviceOf(request: WireRequest): Service {
  const { path, query } = splitUrl(request.url);
  if (path === CONTAINER_PATH) return 'container';
  if (path === SSO_PATH) return 'sso';
  if (path.startsWith(CONTROL_PREFIX)) return 'control';
  if (path.startsWith('/latest/') && !Authenticator.isSigned(request)) return 'imds';
  const form = request.headers['content-type']?.[0]?.startsWith('application/x-www-form-urlencoded');
  if (path === '/' && ((request.method === 'POST' && form) || /(^|&)Action=/.test(query))) return 'sts';
  return 's3';
}

function renderError(service: Service, error: AwsError, requestId: string): Reply {
  switch (service) {
    case 's3':
      return xmlReply(
        toXml('Error', {
          Code: error.code,
          Message: error.message,
          ...error.fields,
          RequestId: requestId,
          HostId: requestId,
        }),
        {},
        error.status,
      );
    case 'sts':
      return xmlReply(
        toXml(
          'ErrorResponse',
          { Error: { Type: error.type, Code: error.code, Message: error.message }, RequestId: requestId },
          'https://sts.amazonaws.com/doc/2011-06-15/',
        ),
        { 'content-type': 'text/xml' },
        error.status,
      );
    case 'imds':
      return textReply(error.message, error.status);
    default:
      return jsonReply({ code: error.code, message: error.message }, error.status);
  }
}

function faultError(
  service: EmulatedService,
  fault: Exclude<EndpointFault, { type: 'delay' | 'drop' | 'malformed' }>,
): AwsError {
  if (fault.type === 'throttle') {
    if (service === 's3') return s3Error('SlowDown');
    if (service === 'sts') return stsError('Throttling');
    if (service === 'sso') return new AwsError('TooManyRequestsException', 429, 'Too Many Requests');
    return new AwsError('TooManyRequests', 429, 'Too Many Requests');
  }
  const internal =
    service === 's3' ? s3Error('InternalError') : service === 'sts' ? stsError('InternalFailure') : undefined;
  const status = fault.status ?? 500;
  return new AwsError(
    fault.code ?? internal?.code ?? 'InternalError',
    status,
    fault.message ?? internal?.message ?? 'Internal Server Error',
  );
}

/** Routes one HTTP request through stats, faults, authentication and the service that answers it. */
export class Dispatcher {
  constructor(private readonly deps: DispatchDeps) {}

  readonly handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { deps } = this;
    const requestId = newRequestId();
    const request: WireRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headersDistinct,
    };
    const service = serviceOf(request);
    const head = request.method === 'HEAD';
    const baseHeaders: Record<string, string> = {
      date: new Date(deps.serverTime()).toUTCString(),
      [service === 'sts' ? 'x-amzn-requestid' : 'x-amz-request-id']: requestId,
    };
    let reply: Reply;
    try {
      reply = await this.answer(service, request, req, requestId);
    } catch (error) {
      if (error === DROPPED) {
        req.socket.destroy();
        return;
      }
      if (error instanceof MalformedAnswer) {
        writeReply(res, error.reply(), head, baseHeaders);
        return;
      }
      const awsError =
        error instanceof AwsError ? error : s3Error('InternalError', `Emulator error: ${String(error)}`);
      if (!(error instanceof AwsError))
        process.emitWarning(`credwatch-emulator: ${String((error as Error)?.stack ?? error)}`);
      if (service !== 'control') deps.stats.recordError(awsError.code);
      reply = renderError(service, awsError, requestId);
      if (awsError.code === 'EntityTooLarge' || awsError.code === 'IncompleteBody')
        baseHeaders.connection = 'close';
    }
    // A HEAD answer carries no body, errors included: S3 clients see only the bare status.
    writeReply(res, reply, head, baseHeaders);
  };

  private async answer(
    service: Service,
    request: WireRequest,
    req: IncomingMessage,
    requestId: string,
  ): Promise<Reply> {
    const { deps } = this;
    const body = await readBody(req, deps.maxBodySize).catch((error) => {
      if (service !== 'control') deps.stats.recordCall(service, 'unreadable');
      throw error;
    });
    if (service === 'control') {
      return deps.control.handle(
        request.method,
        splitUrl(request.url).path.slice(CONTROL_PREFIX.length),
        body,
      );
    }
    const { action, answer } = this.route(service, request, body, requestId);
    deps.stats.recordCall(service, action);
    await this.injectFault(service, action);
    return answer();
  }

  /** Names the action (for stats and faults) and binds the handler that answers it, parsing the request once. */
  private route(
    service: EmulatedService,
    request: WireRequest,
    body: Buffer,
    requestId: string,
  ): { action: string; answer: () => Reply } {
    const { deps } = this;
    switch (service) {
      case 'imds': {
        const action = imdsAction(request.method, request.url);
        return { action, answer: () => deps.imds.handle(action, request) };
      }
      case 'container':
        return { action: 'credentials', answer: () => deps.container.handle(request) };
      case 'sso':
        return { action: 'GetRoleCredentials', answer: () => deps.sso.handle(request) };
      case 'sts': {
        const params = stsParams(request, body);
        const action = params.get('Action');
        if (!action) {
          return {
            action: 'unknown',
            answer: () => {
              throw stsError('MissingAction');
            },
          };
        }
        return { action, answer: () => deps.sts.handle(action, params, request, body, requestId) };
      }
      case 's3': {
        const route = routeS3(request.method, request.url);
        return {
          action: route.action,
          answer: () => {
            const auth = deps.auth.authenticate('s3', route.action, request, body);
            return handleS3({ route, request, auth, store: deps.store, region: deps.region });
          },
        };
      }
    }
  }

  private async injectFault(service: EmulatedService, action: string): Promise<void> {
    const fault = this.deps.faults.take(service, action);
    if (!fault) return;
    if (fault.type === 'drop') throw DROPPED;
    if (fault.type === 'malformed') throw new MalformedAnswer(service);
    if (fault.type === 'delay') await sleep(fault.ms);
    else throw faultError(service, fault);
  }
}

/** Thrown to make the dispatcher close the connection without answering. */
const DROPPED = Symbol('dropped');

/** Thrown to make the dispatcher answer 200 with a body cut short, in the service's own format. */
class MalformedAnswer {
  constructor(private readonly service: EmulatedService) {}

  reply(): Reply {
    if (this.service === 's3' || this.service === 'sts')
      return xmlReply('<?xml version="1.0" encoding="UTF-8"?>\n<Response><Cred');
    return { status: 200, headers: { 'content-type': 'application/json' }, body: '{"AccessKeyId": "ASIA' };
  }
}
