import type { AwsIdentity } from './internal-types.js';
import type { CredentialSource } from './types.js';

/**
 * `$source` feature codes (`@aws-sdk/types` feature-ids) in priority order: the most specific route first,
 * since one credentials object can carry several (an assumed role also carries its source profile's code).
 */
const FEATURE_CODE_SOURCES: ReadonlyArray<readonly [string, CredentialSource]> = [
  ['k', 'web_identity'], // CREDENTIALS_STS_ASSUME_ROLE_WEB_ID
  ['h', 'web_identity'], // CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN
  ['q', 'web_identity'], // CREDENTIALS_PROFILE_STS_WEB_ID_TOKEN
  ['i', 'assume_role'], // CREDENTIALS_STS_ASSUME_ROLE
  ['j', 'assume_role'], // CREDENTIALS_STS_ASSUME_ROLE_SAML
  ['l', 'assume_role'], // CREDENTIALS_STS_FEDERATION_TOKEN
  ['m', 'assume_role'], // CREDENTIALS_STS_SESSION_TOKEN
  ['o', 'assume_role'], // CREDENTIALS_PROFILE_SOURCE_PROFILE
  ['s', 'sso'], // CREDENTIALS_SSO
  ['r', 'sso'], // CREDENTIALS_PROFILE_SSO
  ['u', 'sso'], // CREDENTIALS_SSO_LEGACY
  ['t', 'sso'], // CREDENTIALS_PROFILE_SSO_LEGACY
  ['AD', 'login'], // CREDENTIALS_LOGIN
  ['AC', 'login'], // CREDENTIALS_PROFILE_LOGIN
  ['w', 'process'], // CREDENTIALS_PROCESS
  ['v', 'process'], // CREDENTIALS_PROFILE_PROCESS
  ['z', 'container'], // CREDENTIALS_HTTP
  ['0', 'imds'], // CREDENTIALS_IMDS
  ['g', 'env'], // CREDENTIALS_ENV_VARS
  ['n', 'profile'], // CREDENTIALS_PROFILE
  ['p', 'profile'], // CREDENTIALS_PROFILE_NAMED_PROVIDER
  ['e', 'static'], // CREDENTIALS_CODE: an object given in code
];

/**
 * Sources read inside the process: the environment, the shared credentials file, an object given in code.
 * Reading them again gives the same credentials (the SDK also caches the file), so nothing replaces them when
 * they run out: a job that outlives them fails.
 */
const LOCAL_SOURCES: ReadonlySet<string> = new Set<CredentialSource>(['env', 'profile', 'static']);

/** Whether a fetch from `source` reads inside the process (`env`, `profile`, `static`). */
export function isLocalSource(source: string): boolean {
  return LOCAL_SOURCES.has(source);
}

/**
 * Whether the source can hand out new credentials when the ones held run out
 * (`aws.credentials.refreshable`): every provider that fetches, and a user's own function, but not a source
 * read inside the process.
 */
export function isRefreshableSource(source: string): boolean {
  return !LOCAL_SOURCES.has(source);
}

/** The source the SDK's own feature tags name, if any. */
export function sourceFromFeatures(identity: AwsIdentity): CredentialSource | undefined {
  const features = identity.$source;
  if (features === undefined || features === null || typeof features !== 'object') return undefined;
  const codes = Object.values(features);
  if (codes.length === 0) return undefined;
  for (const [code, source] of FEATURE_CODE_SOURCES) {
    if (codes.includes(code)) return source;
  }
  return undefined;
}

/** A credential-provider factory credwatch wraps, and the source its credentials come from. */
export interface ProviderFactory {
  exportName: string;
  source: CredentialSource;
  /**
   * Remote providers always make a network fetch when called. Local ones (env, files) fail fast when their
   * route is not configured, which is the default chain skipping them, not a failed refresh.
   */
  remote: boolean;
  /**
   * For a local provider whose route can be configured and still fail (a `credential_process` that exits 1):
   * the messages it fails with when the route is not configured. Any other failure is a failed refresh.
   */
  unconfigured?: RegExp;
}

/** `fromProcess` without a `credential_process` in the profile: the chain moving on, not a failure. */
const PROCESS_UNCONFIGURED =
  /did not contain credential_process|could not be found in shared credentials file/;

/** Every factory credwatch wraps, described once: where its credentials come from, and how it fetches. */
const FACTORIES = {
  fromTemporaryCredentials: { source: 'assume_role', remote: true },
  fromInstanceMetadata: { source: 'imds', remote: true },
  fromContainerMetadata: { source: 'container', remote: true },
  fromHttp: { source: 'container', remote: true },
  fromWebToken: { source: 'web_identity', remote: true },
  fromTokenFile: { source: 'web_identity', remote: false },
  fromEnv: { source: 'env', remote: false },
  fromIni: { source: 'profile', remote: false },
  fromSSO: { source: 'sso', remote: false },
  fromProcess: { source: 'process', remote: false, unconfigured: PROCESS_UNCONFIGURED },
  fromLoginCredentials: { source: 'login', remote: false },
  fromCognitoIdentity: { source: 'custom', remote: true },
  fromCognitoIdentityPool: { source: 'custom', remote: true },
} as const satisfies Record<string, Omit<ProviderFactory, 'exportName'>>;

type FactoryName = keyof typeof FACTORIES;

/** Each module is hooked at every version it was published in. */
const EVERY_SDK_V3 = ['>=3.0.0'];

/** The factories each module exports. */
const MODULE_FACTORIES: ReadonlyArray<readonly [module: string, versions: string[], names: FactoryName[]]> = [
  ['@aws-sdk/credential-providers', EVERY_SDK_V3, Object.keys(FACTORIES) as FactoryName[]],
  ['@aws-sdk/credential-provider-env', EVERY_SDK_V3, ['fromEnv']],
  ['@aws-sdk/credential-provider-ini', EVERY_SDK_V3, ['fromIni']],
  ['@aws-sdk/credential-provider-sso', EVERY_SDK_V3, ['fromSSO']],
  ['@aws-sdk/credential-provider-process', EVERY_SDK_V3, ['fromProcess']],
  ['@aws-sdk/credential-provider-web-identity', EVERY_SDK_V3, ['fromTokenFile', 'fromWebToken']],
  ['@aws-sdk/credential-provider-http', EVERY_SDK_V3, ['fromHttp']],
  ['@aws-sdk/credential-provider-login', EVERY_SDK_V3, ['fromLoginCredentials']],
  ['@smithy/credential-provider-imds', ['>=1.0.0'], ['fromInstanceMetadata', 'fromContainerMetadata']],
];

/** The factories credwatch wraps, per module. */
export const PROVIDER_MODULES: ReadonlyArray<{
  module: string;
  versions: string[];
  factories: ProviderFactory[];
}> = MODULE_FACTORIES.map(([module, versions, names]) => ({
  module,
  versions,
  factories: names.map((exportName) => ({ exportName, ...FACTORIES[exportName] })),
}));

/** The module whose `defaultProvider` builds the default chain, which refreshes in the background. */
export const DEFAULT_CHAIN_MODULE = { module: '@aws-sdk/credential-provider-node', versions: EVERY_SDK_V3 };
