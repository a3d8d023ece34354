/**
 * The slices of AWS SDK v3 objects credwatch reads, typed structurally: the SDK is never a dependency and
 * its types never reach the public declarations. Plus the one guard those slices need.
 */

export interface AwsIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
  /** Feature ids set by the SDK's `setCredentialFeature`, e.g. `{ CREDENTIALS_ENV_VARS: 'g' }`. */
  $source?: Record<string, string>;
}

export type IdentityProvider = ((options?: ProviderOptions) => Promise<AwsIdentity>) & {
  memoized?: boolean;
  configBound?: boolean;
  attributed?: boolean;
};

export interface ProviderOptions {
  forceRefresh?: boolean;
  [key: string]: unknown;
}

export interface SdkRequest {
  method?: string;
  headers?: Record<string, string | undefined>;
  query?: Record<string, string | string[] | null | undefined>;
}

export interface MiddlewareArgs {
  request?: unknown;
  input?: Record<string, unknown>;
}

export interface HandlerContext {
  commandName?: string;
  __smithy_context?: { selectedHttpAuthScheme?: { identity?: unknown } };
  [key: string]: unknown;
}

export type Handler = (args: MiddlewareArgs) => Promise<unknown>;
export type Middleware = (next: Handler, context: HandlerContext) => Handler;

/** How a middleware is placed next to another: `relation` to `toMiddleware` (as smithy's stack takes it). */
export interface RelativeOptions {
  relation: 'before' | 'after';
  toMiddleware: string;
  name: string;
  aliases?: string[];
  override?: boolean;
  [key: string]: unknown;
}

/** A stack to copy entries into: what `applyToStack` (smithy's `cloneTo`) calls on its argument. */
export interface EntrySink {
  add(middleware: Middleware, options: Record<string, unknown>): void;
  addRelativeTo(middleware: Middleware, options: RelativeOptions): void;
}

export interface MiddlewareStack extends EntrySink {
  identify?(): string[];
  /** Copies every entry, in order, into `target`. */
  applyToStack?(target: EntrySink): void;
  resolve?: unknown;
}

export interface SdkClient {
  config?: { credentials?: unknown; serviceId?: string; [key: string]: unknown };
  middlewareStack?: MiddlewareStack;
  constructor: { name: string };
}

export interface SdkError {
  name?: unknown;
  Code?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** A promise, or anything the SDK hands back that settles like one. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
