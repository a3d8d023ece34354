// The reliability matrix's application: a plain S3 job, configured by the environment, that prints one JSON
// line of what happened. Run bare and under @credwatch/auto, its output must not change.
//
// RELIABILITY_CREDENTIALS  chain | assume-role | triple | process | hostile:<kind>
// RELIABILITY_STEPS        ";"-separated: create, put <key>, get <key>, head <key>, burst <n>, hold,
//                          sleep <ms>, rotate-token, or @<JSON> (a fault for the emulator's control API)
const { renameSync, writeFileSync, readFileSync } = require('node:fs');

// Generous by default: retries with back-off (throttling) must finish even on a loaded machine; the hang
// scenarios set their own short timeout.
const STEP_TIMEOUT_MS = Number(process.env.RELIABILITY_STEP_TIMEOUT ?? 20000);

/** Credential providers an application might hand the SDK, the hostile ones included. */
function hostile(kind, key) {
  switch (kind) {
    case 'expiration-string':
      return async () => ({ ...key, expiration: 'tomorrow' });
    case 'invalid-date':
      return async () => ({ ...key, expiration: new Date(Number.NaN) });
    case 'null':
      return async () => null;
    case 'non-error-throw':
      return async () => {
        throw 'no credentials today';
      };
    case 'throwing-getter':
      return async () => ({
        get accessKeyId() {
          throw new Error('accessKeyId getter');
        },
        secretAccessKey: key.secretAccessKey,
      });
    case 'revoked-proxy':
      return async () => {
        const { proxy, revoke } = Proxy.revocable({ ...key }, {});
        revoke();
        return proxy;
      };
    case 'never-resolving':
      return () => new Promise(() => {});
    default:
      throw new Error(`unknown hostile provider ${kind}`);
  }
}

let providerCalls = 0;
function counted(provider) {
  return (...args) => {
    providerCalls++;
    return provider(...args);
  };
}

async function credentialsFor(kind, { sts, providers }) {
  const key = {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID,
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
  };
  if (kind === 'chain' || kind === 'process') return undefined;
  if (kind === 'assume-role')
    return providers.fromTemporaryCredentials({ params: { RoleArn: process.env.APP_ROLE_ARN } });
  if (kind === 'triple') {
    // AssumeRole output cached as a raw key triple: the SDK never learns when it expires.
    const session = await new sts.STSClient({}).send(
      new sts.AssumeRoleCommand({ RoleArn: process.env.APP_ROLE_ARN, RoleSessionName: 'cached' }),
    );
    const { AccessKeyId, SecretAccessKey, SessionToken } = session.Credentials;
    return { accessKeyId: AccessKeyId, secretAccessKey: SecretAccessKey, sessionToken: SessionToken };
  }
  if (kind.startsWith('hostile:')) return counted(hostile(kind.slice('hostile:'.length), key));
  throw new Error(`unknown credentials ${kind}`);
}

/** An error as the app would log it, without trusting a single property of it. */
function describe(error) {
  const read = (property) => {
    try {
      return error?.[property];
    } catch {
      return '(unreadable)';
    }
  };
  if (error === null || typeof error !== 'object') return `thrown ${typeof error}`;
  const status = read('$metadata')?.httpStatusCode;
  return [read('name'), status].filter((part) => part !== undefined).join(' ');
}

function withTimeout(promise) {
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve('timeout'), STEP_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function control(fault) {
  const response = await fetch(`${process.env.CONTROL_URL}/faults`, { method: 'POST', body: fault });
  if (!response.ok) throw new Error(`control API: ${response.status} ${await response.text()}`);
}

function rotateToken() {
  const file = process.env.AWS_WEB_IDENTITY_TOKEN_FILE;
  writeFileSync(`${file}.new`, readFileSync(file));
  renameSync(`${file}.new`, file);
}

exports.run = async function run(sdk) {
  const { S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand } = sdk.s3;
  const outcomes = [];
  let credentials;
  try {
    credentials = await credentialsFor(process.env.RELIABILITY_CREDENTIALS, sdk);
  } catch (error) {
    console.log(JSON.stringify([`credentials -> ${describe(error)}`]));
    return;
  }
  const s3 = new S3Client({ forcePathStyle: true, credentials, maxAttempts: 3 });
  const Bucket = process.env.APP_BUCKET;
  const commands = {
    create: () => new CreateBucketCommand({ Bucket }),
    put: (Key) => new PutObjectCommand({ Bucket, Key, Body: `data for ${Key}` }),
    get: (Key) => new GetObjectCommand({ Bucket, Key }),
    head: (Key) => new HeadObjectCommand({ Bucket, Key }),
  };
  for (const step of process.env.RELIABILITY_STEPS.split(';')) {
    if (step.startsWith('@')) {
      await control(step.slice(1));
      continue;
    }
    const [verb, argument] = step.split(' ');
    if (verb === 'rotate-token') {
      rotateToken();
      continue;
    }
    if (verb === 'sleep') {
      await new Promise((resolve) => setTimeout(resolve, Number(argument)));
      continue;
    }
    if (verb === 'hold') {
      console.log('holding');
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      continue;
    }
    if (verb === 'burst') {
      console.log('burst');
      const puts = Array.from({ length: Number(argument) }, (_, index) =>
        s3.send(commands.put(`burst-${index}`)),
      );
      const settled = await Promise.allSettled(puts);
      outcomes.push(`${step} -> ${settled.filter((result) => result.status === 'fulfilled').length} ok`);
      continue;
    }
    const outcome = await withTimeout(
      s3.send(commands[verb](argument)).then(
        () => 'ok',
        (error) => describe(error),
      ),
    );
    outcomes.push(`${step} -> ${outcome}`);
  }
  if (providerCalls > 0) outcomes.push(`provider calls: ${providerCalls}`);
  console.log(JSON.stringify(outcomes));
};
