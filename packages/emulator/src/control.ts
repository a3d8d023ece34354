import type { Clock } from './clock.js';
import type { CredentialStore } from './credentials.js';
import type { FaultRegistry } from './faults.js';
import { AwsError } from './http/errors.js';
import { jsonReply, type Reply } from './http/reply.js';
import type { StatsRecorder } from './stats.js';

export const CONTROL_PREFIX = '/_credwatch/';

function invalid(message: string): AwsError {
  return new AwsError('InvalidRequest', 400, message);
}

function parseJson(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8') || '{}');
  } catch {
    throw new AwsError('MalformedJSON', 400, 'The request body is not valid JSON.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw invalid('The request body must be a JSON object.');
  return value as Record<string, unknown>;
}

/** Runs a call into the faults or clock API, turning its validation errors into 400 answers. */
function apply(call: () => void): Reply {
  try {
    call();
  } catch (error) {
    if (error instanceof RangeError || error instanceof TypeError) throw invalid(error.message);
    throw error;
  }
  return jsonReply({ ok: true });
}

/**
 * The emulator's own JSON API, for processes that cannot reach the programmatic one (the CLI's users):
 * `GET stats`, `DELETE stats`, `GET credentials` (no secrets), `POST faults`, `DELETE faults`, `GET|POST clock`.
 */
export class ControlService {
  constructor(
    private readonly faults: FaultRegistry,
    private readonly stats: StatsRecorder,
    private readonly clock: Clock,
    private readonly store: CredentialStore,
  ) {}

  handle(method: string, resource: string, body: Buffer): Reply {
    switch (`${method} ${resource}`) {
      case 'GET stats':
        return jsonReply(this.stats.snapshot());
      case 'DELETE stats':
        return apply(() => this.stats.reset());
      case 'GET credentials':
        return jsonReply(
          this.store.all().map(({ accessKeyId, issuer, issuedAt, expiration, arn }) => ({
            accessKeyId,
            issuer,
            issuedAt,
            expiration,
            arn,
          })),
        );
      case 'GET faults':
        return jsonReply(this.faults.pending());
      case 'DELETE faults':
        return apply(() => this.faults.clear());
      case 'POST faults':
        return this.fault(parseJson(body));
      case 'GET clock':
        return jsonReply({ now: this.clock.now().toISOString(), offsetMs: this.clock.offsetMs });
      case 'POST clock': {
        const request = parseJson(body);
        return apply(() => {
          if (request.reset === true) this.clock.reset();
          if (typeof request.set === 'string') {
            const to = new Date(request.set);
            if (Number.isNaN(to.getTime()))
              throw new RangeError(`clock.set: ${JSON.stringify(request.set)} is not a date`);
            this.clock.set(to);
          }
          if (request.advance !== undefined) this.clock.advance(request.advance as string | number);
        });
      }
      default:
        throw new AwsError('NotFound', 404, `No control resource ${method} ${CONTROL_PREFIX}${resource}.`);
    }
  }

  private fault(request: Record<string, unknown>): Reply {
    const { action } = request;
    const accessKeyId = typeof request.accessKeyId === 'string' ? request.accessKeyId : undefined;
    return apply(() => {
      switch (action) {
        case 'failNext':
          return this.faults.failNext(
            request.target as never,
            request.fault as never,
            (request.times as number | undefined) ?? 1,
          );
        case 'serveExpiredCredentials':
          return this.faults.serveExpiredCredentials(
            request.target as never,
            (request.times as number | undefined) ?? 1,
          );
        case 'requireRefresh':
          return this.faults.requireRefresh(accessKeyId);
        case 'expireToken':
          return this.faults.expireToken(accessKeyId);
        case 'clockSkew':
          return this.faults.clockSkew(request.offset as string | number);
        default:
          throw new RangeError(
            `action must be failNext, serveExpiredCredentials, requireRefresh, expireToken or clockSkew, got ${JSON.stringify(action)}`,
          );
      }
    });
  }
}
