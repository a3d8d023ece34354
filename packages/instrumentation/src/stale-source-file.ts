import { readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Span } from '@opentelemetry/api';
import type { ClientState } from './client-state.js';
import { fetchedAt, type SigningFacts } from './detectors.js';
import type { AwsIdentity } from './internal-types.js';
import { ATTR_ERROR_TYPE, ATTR_RPC_METHOD } from './semconv.js';
import type { CredentialSource } from './types.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The files a source's credentials are read from, as the SDK finds them. */
function sourceFiles(
  source: CredentialSource,
  env: Env,
): { path: string; describe: string; directory?: boolean }[] {
  const home = env.HOME || env.USERPROFILE || homedir();
  if (source === 'web_identity' && env.AWS_WEB_IDENTITY_TOKEN_FILE) {
    return [
      {
        path: env.AWS_WEB_IDENTITY_TOKEN_FILE,
        describe: 'the web identity token file (AWS_WEB_IDENTITY_TOKEN_FILE)',
      },
    ];
  }
  if (source === 'profile') {
    return [
      {
        path: env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'),
        describe: 'the shared credentials file',
      },
      { path: env.AWS_CONFIG_FILE || join(home, '.aws', 'config'), describe: 'the shared config file' },
    ];
  }
  if (source === 'sso')
    return [{ path: join(home, '.aws', 'sso', 'cache'), describe: 'the SSO token cache', directory: true }];
  return [];
}

/**
 * When `path` last changed: for a directory, its newest entry too. `aws sso login` rewrites its cache file in
 * place, which leaves the directory's own time as it was.
 */
function lastChangedMs(path: string, directory: boolean): number {
  const own = statSync(path).mtimeMs;
  if (!directory) return own;
  let newest = own;
  for (const entry of readdirSync(path)) {
    try {
      newest = Math.max(newest, statSync(join(path, entry)).mtimeMs);
    } catch {
      // removed while listed
    }
  }
  return newest;
}

/**
 * At a rejection: the file the signing credentials came from changed on disk after they were read (keys
 * rotated in the credentials file, a new web identity token, a new SSO login) while the process still signs
 * with what it read before. Checked only when the service rejects the credentials, so no request pays for a
 * file system call. Once per credentials object.
 */
export function detectAtRejection(
  client: ClientState,
  signing: Omit<SigningFacts, 'identity'> & { identity: AwsIdentity | undefined },
  errorType: string,
  span: Span | undefined,
): void {
  const { identity } = signing;
  if (identity === undefined) return;
  const fetchedAtMs = fetchedAt(client, identity); // the file was read no later
  if (fetchedAtMs === undefined) return;
  const changed = sourceFiles(signing.source, process.env).find(({ path, directory }) => {
    try {
      // mtime comes from the kernel's coarse clock, a tick behind Date: a write within a few ms after the
      // fetch can look older, never the other way round, so this errs towards saying nothing.
      return lastChangedMs(path, directory === true) > fetchedAtMs;
    } catch {
      return false; // gone or unreadable: not this finding
    }
  });
  if (changed === undefined) return;
  const ageSeconds = Math.round((Date.now() - fetchedAtMs) / 1000);
  client.telemetry.findings.report(
    client.telemetry,
    'stale_source_file',
    identity,
    () => ({
      source: signing.source,
      service: client.service,
      message:
        `${client.service} rejected ${signing.operation} (${errorType}), signed with ${signing.source} credentials ` +
        `read ${ageSeconds} s ago; ${changed.describe} changed on disk after that read, and the SDK keeps what ` +
        'it read until the credentials expire (keys without an expiration: for the life of the process).',
      fix:
        'Let the SDK read the file again: create a new client (or provider) after the file changes, or call ' +
        'the provider with { forceRefresh: true }; or restart the process when the file is rotated.',
      attributes: { [ATTR_ERROR_TYPE]: errorType, [ATTR_RPC_METHOD]: signing.operation },
    }),
    span,
  );
}
