import type { CredentialSource } from './types.js';

// Which credential sources the environment configures for the default chain, and which one a signing used:
// the `competing_sources` finding's facts.

/** A credential source the environment configures for the default chain, in the chain's order. */
interface ConfiguredSource {
  /** The `aws.credentials.source` values its credentials carry. */
  sources: readonly CredentialSource[];
  variables: readonly string[];
  describe(env: Env): string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

const set = (env: Env, variable: string) => (env[variable] ?? '') !== '';

const CONFIGURED_SOURCES: readonly ConfiguredSource[] = [
  {
    sources: ['env'],
    variables: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'],
    describe: (env) =>
      set(env, 'AWS_ACCESS_KEY_ID') && set(env, 'AWS_SECRET_ACCESS_KEY')
        ? 'the keys in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY'
        : undefined,
  },
  {
    sources: ['profile', 'sso', 'process', 'login'],
    variables: ['AWS_PROFILE'],
    describe: (env) =>
      set(env, 'AWS_PROFILE') ? `the profile "${env.AWS_PROFILE}" (AWS_PROFILE)` : undefined,
  },
  {
    sources: ['web_identity'],
    variables: ['AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN'],
    describe: (env) =>
      set(env, 'AWS_WEB_IDENTITY_TOKEN_FILE')
        ? 'a web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)'
        : undefined,
  },
  {
    sources: ['container'],
    variables: ['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI'],
    describe: (env) =>
      set(env, 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI') || set(env, 'AWS_CONTAINER_CREDENTIALS_FULL_URI')
        ? 'a container credentials endpoint (AWS_CONTAINER_CREDENTIALS_*)'
        : undefined,
  },
];

/** The sources a default-chain client can sign with. */
const CHAIN_SOURCES: readonly CredentialSource[] = [
  'env',
  'profile',
  'sso',
  'process',
  'login',
  'web_identity',
  'container',
  'imds',
];

/**
 * When the environment configures more than one credential source, which one signed and which it shadows
 * (`competing_sources`); undefined when there is no competition, or the client was not given the default chain.
 */
export function competingSources(
  env: Env,
  signedWith: CredentialSource,
):
  | {
      winner: string | undefined;
      shadowed: string[];
      variables: string[];
      /** The SDK's chain skips environment keys when `AWS_PROFILE` is set: the keys lost to the profile. */
      profileSkipsKeys: boolean;
    }
  | undefined {
  if (!CHAIN_SOURCES.includes(signedWith)) return undefined;
  const configured = CONFIGURED_SOURCES.flatMap((source) => {
    const description = source.describe(env);
    return description === undefined ? [] : [{ ...source, description }];
  });
  if (configured.length < 2) return undefined;
  const winner = configured.find((source) => source.sources.includes(signedWith));
  const losers = configured.filter((source) => source !== winner);
  return {
    winner: winner?.description,
    shadowed: losers.map((source) => source.description),
    variables: losers.flatMap((source) => source.variables.filter((variable) => set(env, variable))),
    profileSkipsKeys: set(env, 'AWS_PROFILE') && signedWith !== 'env',
  };
}
