import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Keeps the SDK away from the developer's own ~/.aws files and any ambient credentials. */
export function isolateAwsEnvironment(): void {
  const home = mkdtempSync(join(tmpdir(), 'credwatch-home-'));
  process.env.HOME = home;
  process.env.AWS_CONFIG_FILE = join(home, 'config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(home, 'credentials');
  for (const name of Object.keys(process.env)) {
    if (
      /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|ROLE_ARN|WEB_IDENTITY_TOKEN_FILE|CONTAINER_|EC2_METADATA|ENDPOINT_URL|REGION)/.test(
        name,
      )
    ) {
      delete process.env[name];
    }
  }
}

/** Runs `fn` with extra environment variables, then puts the environment back as it was. */
export async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

let bucketCounter = 0;
export function uniqueBucket(prefix = 'bucket'): string {
  bucketCounter++;
  return `${prefix}-${process.pid}-${bucketCounter}`;
}

export function writeFile(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
