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
  ['s', 'sso'],
  ['r', 'sso'],
  ['u', 'sso'],
  ['t', 'sso'],
  ['AD', 'login'],
  ['AC', 'login'],
  ['w', 'process'],
  ['v', 'process'],
  ['z', 'container'], // CREDENTIALS_HTTP
  ['0', 'imds'],
  ['g', 'env'],
  ['n', 'profile'],
  ['p', 'profile'], // CREDENTIALS_PROFILE_NAMED_PROVIDER
  ['e', 'static'], // CREDENTIALS_CODE: an object given in code
];

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

/** The factories credwatch wraps, per module (each module is hooked at every version it was published in). */
export const PROVIDER_MODULES: ReadonlyArray<{
  module: string;
  versions: string[];
  factories: ProviderFactory[];
}> = [
  {
    module: '@aws-sdk/credential-providers',
    versions: ['>=3.0.0'],
    factories: [
      { exportName: 'fromTemporaryCredentials', source: 'assume_role', remote: true },
      { exportName: 'fromInstanceMetadata', source: 'imds', remote: true },
      { exportName: 'fromContainerMetadata', source: 'container', remote: true },
      { exportName: 'fromHttp', source: 'container', remote: true },
      { exportName: 'fromWebToken', source: 'web_identity', remote: true },
      { exportName: 'fromTokenFile', source: 'web_identity', remote: false },
      { exportName: 'fromEnv', source: 'env', remote: false },
      { exportName: 'fromIni', source: 'profile', remote: false },
      { exportName: 'fromSSO', source: 'sso', remote: false },
      { exportName: 'fromProcess', source: 'process', remote: false, unconfigured: PROCESS_UNCONFIGURED },
      { exportName: 'fromLoginCredentials', source: 'login', remote: false },
      { exportName: 'fromCognitoIdentity', source: 'custom', remote: true },
      { exportName: 'fromCognitoIdentityPool', source: 'custom', remote: true },
    ],
  },
  {
    module: '@aws-sdk/credential-provider-env',
    versions: ['>=3.0.0'],
    factories: [{ exportName: 'fromEnv', source: 'env', remote: false }],
  },
  {
    module: '@aws-sdk/credential-provider-ini',
    versions: ['>=3.0.0'],
    factories: [{ exportName: 'fromIni', source: 'profile', remote: false }],
  },
  {
    module: '@aws-sdk/credential-provider-sso',
    versions: ['>=3.0.0'],
    factories: [{ exportName: 'fromSSO', source: 'sso', remote: false }],
  },
  {
    module: '@aws-sdk/credential-provider-process',
    versions: ['>=3.0.0'],
    factories: [
      { exportName: 'fromProcess', source: 'process', remote: false, unconfigured: PROCESS_UNCONFIGURED },
    ],
  },
  {
    module: '@aws-sdk/credential-provider-web-identity',
    versions: ['>=3.0.0'],
    factories: [
      { exportName: 'fromTokenFile', source: 'web_identity', remote: false },
      { exportName: 'fromWebToken', source: 'web_identity', remote: true },
    ],
  },
  {
    module: '@aws-sdk/credential-provider-http',
    versions: ['>=3.0.0'],
    factories: [{ exportName: 'fromHttp', source: 'container', remote: true }],
  },
  {
    module: '@aws-sdk/credential-provider-login',
    versions: ['>=3.0.0'],
    factories: [{ exportName: 'fromLoginCredentials', source: 'login', remote: false }],
  },
  {
    module: '@smithy/credential-provider-imds',
    versions: ['>=1.0.0'],
    factories: [
      { exportName: 'fromInstanceMetadata', source: 'imds', remote: true },
      { exportName: 'fromContainerMetadata', source: 'container', remote: true },
    ],
  },
];

/** The module whose `defaultProvider` builds the default chain, which refreshes in the background. */
export const DEFAULT_CHAIN_MODULE = { module: '@aws-sdk/credential-provider-node', versions: ['>=3.0.0'] };
