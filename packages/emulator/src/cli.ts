#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { type CredentialRoute, startEmulator } from './emulator.js';
import type { EmulatorOptions } from './options.js';

const USAGE = `Usage: credwatch-emulator [options]

Starts a local STS + S3 + IMDS + container-credentials + SSO-portal endpoint and prints the
environment variables that point an AWS SDK app at it.

Options:
  --host <addr>                    interface to listen on (default 127.0.0.1)
  --port <n>                       port (default 0: an ephemeral port)
  --region <name>                  S3 region (default us-east-1)
  --token-lifetime <dur>           lifetime of issued credentials, e.g. 30s, 5m (default 1h)
  --min-session-duration <dur>     smallest DurationSeconds STS accepts (default 15m)
  --max-session-duration <dur>     largest DurationSeconds STS accepts (default 12h)
  --refresh-required-after <dur>   S3 answers TokenRefreshRequired for sessions this old
  --route <route>                  credentials to print: env, container, imds, web_identity (default env)
  --access-key-id <AKIA…>          long-term key to accept (with --secret-access-key)
  --secret-access-key <secret>
  --container-auth-token <token>   require this Authorization header at the container endpoint
  --imds-v2-only                   refuse IMDS requests without a session token
  --data-dir <dir>                 keep buckets and objects in this directory
  --json                           print the settings as JSON instead of shell exports
  -h, --help                       show this help

Durations: a number of seconds or a value such as 500ms, 30s, 5m, 1h.`;

const ROUTES: readonly CredentialRoute[] = ['env', 'container', 'imds', 'web_identity'];

function fail(message: string): never {
  process.stderr.write(`credwatch-emulator: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function integer(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    fail(`--${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
}

async function main(): Promise<void> {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse().values;
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const route = (values.route ?? 'env') as CredentialRoute;
  if (!ROUTES.includes(route))
    fail(`--route must be one of ${ROUTES.join(', ')}, got ${JSON.stringify(values.route)}`);
  if ((values['access-key-id'] === undefined) !== (values['secret-access-key'] === undefined)) {
    fail('--access-key-id and --secret-access-key go together');
  }
  const options: EmulatorOptions = {
    host: values.host,
    port: integer(values.port, 'port'),
    region: values.region,
    tokenLifetime: values['token-lifetime'],
    minSessionDuration: values['min-session-duration'],
    maxSessionDuration: values['max-session-duration'],
    refreshRequiredAfter: values['refresh-required-after'],
    containerAuthToken: values['container-auth-token'],
    imdsV1: !values['imds-v2-only'],
    dataDir: values['data-dir'],
    longTermKeys:
      values['access-key-id'] === undefined
        ? undefined
        : [{ accessKeyId: values['access-key-id'], secretAccessKey: values['secret-access-key'] as string }],
  };
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  try {
    emulator = await startEmulator(options);
  } catch (error) {
    // Option errors name the option in its programmatic spelling; show the flag instead.
    const message = (error as Error).message.replace(
      /^(\w+):/,
      (_, name: string) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}:`,
    );
    fail(message);
  }
  const env = emulator.env(route);
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ endpoint: emulator.endpoint, urls: emulator.urls, roleArn: emulator.roleArn, env }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(`# credwatch emulator listening on ${emulator.endpoint} (route: ${route})\n`);
    for (const [name, value] of Object.entries(env)) process.stdout.write(`export ${name}=${value}\n`);
    process.stdout.write(
      `# role to assume: ${emulator.roleArn}\n# control API: ${emulator.urls.control}{stats,faults,clock,credentials}\n`,
    );
  }
  const shutdown = () => {
    void emulator.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

function parse() {
  return parseArgs({
    strict: true,
    allowPositionals: false,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      region: { type: 'string' },
      'token-lifetime': { type: 'string' },
      'min-session-duration': { type: 'string' },
      'max-session-duration': { type: 'string' },
      'refresh-required-after': { type: 'string' },
      route: { type: 'string' },
      'access-key-id': { type: 'string' },
      'secret-access-key': { type: 'string' },
      'container-auth-token': { type: 'string' },
      'imds-v2-only': { type: 'boolean' },
      'data-dir': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

await main();
