import { context, trace } from '@opentelemetry/api';
import { instrumentClientOnce } from './client-wiring.js';
import { isThenable, type SdkClient } from './internal-types.js';
import { activeAttempt } from './refresh-attempt.js';
import { safely, type Telemetry } from './telemetry.js';
import type { CredentialSource } from './types.js';

type Send = (this: SdkClient, ...args: unknown[]) => unknown;

/** STS and SSO operations that hand out credentials, and the route their output becomes. */
const ISSUING_COMMANDS: Readonly<Record<string, CredentialSource>> = {
  AssumeRoleCommand: 'assume_role',
  AssumeRoleWithSAMLCommand: 'assume_role',
  AssumeRoleWithWebIdentityCommand: 'web_identity',
  GetSessionTokenCommand: 'assume_role',
  GetFederationTokenCommand: 'assume_role',
  GetRoleCredentialsCommand: 'sso',
};

/** The assumed-role ARN of an STS AssumeRole* answer. */
function assumedRoleArn(output: unknown): string | undefined {
  const arn = (output as { AssumedRoleUser?: { Arn?: unknown } } | undefined)?.AssumedRoleUser?.Arn;
  return typeof arn === 'string' ? arn : undefined;
}

function issuedAccessKeyId(output: unknown): string | undefined {
  const value = output as {
    Credentials?: { AccessKeyId?: unknown };
    roleCredentials?: { accessKeyId?: unknown };
  };
  const id = value?.Credentials?.AccessKeyId ?? value?.roleCredentials?.accessKeyId;
  return typeof id === 'string' ? id : undefined;
}

/**
 * Remembers which route issued a session key, for providers credwatch cannot wrap (an ESM import of
 * `@aws-sdk/credential-providers` bypasses require hooks): their credentials still get the right source.
 */
function observeIssuing(telemetry: Telemetry, command: unknown, result: unknown): unknown {
  const source = ISSUING_COMMANDS[(command as { constructor?: { name?: string } })?.constructor?.name ?? ''];
  if (source === undefined || !isThenable(result)) return result;
  result.then(
    (output) =>
      safely(telemetry, 'noting issued credentials', () => {
        const accessKeyId = issuedAccessKeyId(output);
        if (accessKeyId !== undefined) telemetry.registry.rememberIssued(accessKeyId, source);
      }),
    () => undefined,
  );
  return result;
}

/**
 * `Client.prototype.send`: instruments each client on its first call, and puts SDK calls that a credential
 * provider makes (STS AssumeRole, SSO) under that provider's refresh span.
 */
export function patchedSend(telemetry: Telemetry, original: Send): Send {
  return function credwatchSend(this: SdkClient, ...args: unknown[]) {
    if (!telemetry.isEnabled()) return original.apply(this, args);
    instrumentClientOnce(telemetry, this, 'hook');
    const active = context.active();
    const attempt = activeAttempt(active);
    if (attempt === undefined) return observeIssuing(telemetry, args[0], original.apply(this, args));
    const span = attempt.ensureSpan();
    const parent = trace.getSpan(active) === span ? active : trace.setSpan(active, span);
    const result = context.with(parent, () => original.apply(this, args));
    if (isThenable(result)) {
      // A provider's own STS call: its answer names the principal the new credentials belong to.
      result.then(
        (output) =>
          safely(telemetry, 'noting the assumed role', () => {
            const arn = assumedRoleArn(output);
            if (arn !== undefined) attempt.notePrincipal(arn);
          }),
        () => undefined,
      );
    }
    return result;
  };
}
