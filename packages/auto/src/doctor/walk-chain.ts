import { createRequire } from 'node:module';
import { join } from 'node:path';
import { AwsCredentialsInstrumentation, isRefreshableSource } from '@credwatch/instrumentation';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { ReportReader } from '../report.js';
import { type Diagnosis, type DoctorFinding, signingSources } from './diagnosis.js';

type Env = Readonly<Record<string, string | undefined>>;

interface Identity {
  accessKeyId: string;
  sessionToken?: string;
  expiration?: Date;
}
type Provider = () => Promise<Identity>;

/**
 * Resolves credentials as the application's SDK would, with the SDK installed in `cwd` (the application's
 * own, so its version and its chain) and credwatch's instrumentation on: the default chain, then
 * `GetCallerIdentity` signed with what it returned (one provider fetch: the STS client shares the chain's
 * memoized provider). credwatch's detectors report what they see on that signing; the doctor adds what only
 * it can tell, such as a job that would outlive its session.
 */
export async function walkChain(options: {
  cwd: string;
  env: Env;
  jobDurationSeconds: number | undefined;
}): Promise<Diagnosis> {
  const diagnosis: Diagnosis = { sources: [], rejections: [], findings: [] };
  const reader = new ReportReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  // Enabled before the SDK is required, so its providers and clients are hooked.
  const instrumentation = new AwsCredentialsInstrumentation({ findingHook: reader.findingHook });
  instrumentation.setMeterProvider(meterProvider);
  try {
    const projectRequire = createRequire(join(options.cwd, 'package.json'));
    const providers = optional<{ fromNodeProviderChain(): Provider }>(
      projectRequire,
      '@aws-sdk/credential-providers',
    );
    if (providers === undefined) {
      diagnosis.findings.push({
        kind: 'sdk_not_found',
        message: `@aws-sdk/credential-providers is not installed in ${options.cwd}, so the doctor cannot resolve credentials as the application would.`,
        fix: 'Run credwatch doctor in the application directory, or install @aws-sdk/credential-providers (and @aws-sdk/client-sts) there.',
      });
      return diagnosis;
    }
    const provider = providers.fromNodeProviderChain();
    const sts = optional<StsModule>(projectRequire, '@aws-sdk/client-sts');
    let identity: Identity;
    try {
      if (sts !== undefined) {
        const region = options.env.AWS_REGION || options.env.AWS_DEFAULT_REGION || 'us-east-1';
        const client = new sts.STSClient({ credentials: provider, region });
        const { Arn, Account } = await client.send(new sts.GetCallerIdentityCommand({}));
        diagnosis.principal = { arn: String(Arn), account: String(Account) };
      }
      identity = await provider();
    } catch (error) {
      diagnosis.findings.push(failure(error, options.env));
      return diagnosis;
    }
    if (sts === undefined) {
      diagnosis.findings.push({
        kind: 'principal_unknown',
        message:
          '@aws-sdk/client-sts is not installed here, so the doctor cannot ask STS which principal these credentials belong to.',
        fix: 'Install @aws-sdk/client-sts in the application directory to see the principal.',
      });
    }

    const report = await reader.report();
    const source = report.refreshes[0]?.source ?? report.signings[0]?.source ?? 'unknown';
    diagnosis.sources = signingSources(report);
    const expirationMs = identity.expiration?.getTime();
    const timeToExpirySeconds = expirationMs === undefined ? undefined : (expirationMs - Date.now()) / 1000;
    diagnosis.credentials = {
      source,
      temporary: Boolean(identity.sessionToken),
      ...(expirationMs === undefined ? {} : { expiration: new Date(expirationMs).toISOString() }),
      ...(timeToExpirySeconds === undefined ? {} : { timeToExpirySeconds }),
      refreshable: isRefreshableSource(source),
    };
    diagnosis.findings.push(...report.findings.map(({ kind, message, fix }) => ({ kind, message, fix })));
    const outlived = jobOutlivesSession(source, timeToExpirySeconds, options.jobDurationSeconds);
    if (outlived) diagnosis.findings.push(outlived);
    return diagnosis;
  } finally {
    instrumentation.disable();
    await meterProvider.shutdown();
  }
}

interface StsModule {
  STSClient: new (config: object) => { send(command: object): Promise<{ Arn?: string; Account?: string }> };
  GetCallerIdentityCommand: new (input: object) => object;
}

function optional<Module>(projectRequire: NodeJS.Require, name: string): Module | undefined {
  try {
    return projectRequire(name) as Module;
  } catch (error) {
    if ((error as { code?: string }).code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

/**
 * What of an SDK error the doctor prints: its first line (later ones can quote a process's output), and for a
 * `credential_process` that failed, not its command line, which can carry a secret (`--token …`).
 */
export function printableMessage(error: unknown): string {
  const line = ((error as { message?: string }).message ?? String(error)).split('\n')[0] ?? '';
  return /^Command failed:/.test(line)
    ? 'a credential_process command failed (its command line is not shown: it can carry secrets)'
    : line;
}

/** The chain or STS failed: the SDK's error name and its printable message. */
function failure(error: unknown, env: Env): DoctorFinding {
  const name = (error as { name?: string }).name ?? 'Error';
  const message = printableMessage(error);
  // The SDK reads the token `aws sso login` cached and never logs in itself: only a new login helps.
  if (/SSO session .*(expired|invalid)/i.test(message)) {
    const profile = env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE || 'default';
    return {
      kind: 'sso_session_expired',
      message: `The SSO session of profile ${profile} has expired or is invalid: ${message}`,
      fix: `Log in again: aws sso login --profile ${profile}. The SDK reads the token that login caches in ~/.aws/sso/cache and cannot renew an expired session itself.`,
    };
  }
  if (name === 'CredentialsProviderError' || name === 'ProviderError') {
    return {
      kind: 'no_credentials',
      message: `The default credential chain found no credentials: ${message}`,
      fix: 'Configure one source for this process: a container or instance role, a web identity token, a profile (AWS_PROFILE), or keys in the environment.',
    };
  }
  return {
    kind: 'credentials_rejected',
    message: `STS rejected the credentials the chain resolved (${name}): ${message}`,
    fix: 'Replace them: a session that expired or was revoked needs a new one from its source; for long-term keys, check that they are active.',
  };
}

/** A job that needs longer than the credentials have left, with nothing to refresh them. */
function jobOutlivesSession(
  source: string,
  timeToExpirySeconds: number | undefined,
  jobDurationSeconds: number | undefined,
): DoctorFinding | undefined {
  if (jobDurationSeconds === undefined || timeToExpirySeconds === undefined || isRefreshableSource(source))
    return;
  if (timeToExpirySeconds >= jobDurationSeconds) return;
  return {
    kind: 'session_shorter_than_job',
    message:
      `The credentials (${source}) expire in ${Math.round(timeToExpirySeconds)} s and nothing refreshes them, ` +
      `but the job needs ${jobDurationSeconds} s.`,
    fix:
      'Use a source that refreshes (a role through a profile, fromTemporaryCredentials, a container or instance ' +
      'role) or a session that outlasts the job (DurationSeconds, up to the role MaxSessionDuration).',
  };
}
