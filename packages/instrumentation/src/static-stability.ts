import type { Span } from '@opentelemetry/api';
import { ATTR_AWS_CREDENTIALS_EXPIRATION } from './semconv.js';
import type { Telemetry } from './telemetry.js';
import type { CredentialSource } from './types.js';

/**
 * At a fetch: instance credentials the SDK extended past their expiration because the metadata service failed
 * or served expired ones (its "static stability"; it only logs a warning). The SDK marks them with
 * `originalExpiration`. Once per original session.
 */
export function detectAtFetch(
  telemetry: Telemetry,
  identity: unknown,
  source: CredentialSource,
  span: Span,
): void {
  const original = (identity as { originalExpiration?: unknown } | undefined)?.originalExpiration;
  const extended = (identity as { expiration?: unknown } | undefined)?.expiration;
  if (!(original instanceof Date) || !(extended instanceof Date)) return;
  telemetry.findings.report(
    telemetry,
    'static_stability_extension',
    `${source}\u0000${original.getTime()}`,
    () => ({
      source,
      message:
        `The instance metadata service failed or served expired credentials, so the SDK extended a session ` +
        `that expired at ${original.toISOString()} to ${extended.toISOString()} and keeps signing with it: ` +
        'AWS may reject it, and the SDK only logs a warning.',
      fix:
        'Find why the instance metadata service fails: the hop limit for containers (HttpPutResponseHopLimit 2), ' +
        'IMDSv2 tokens blocked by a proxy or network policy, throttling from too many clients. Each extension ' +
        'lasts 5 to 10 minutes, and the SDK tries the service again after it.',
      attributes: {
        [ATTR_AWS_CREDENTIALS_EXPIRATION]: extended.toISOString(),
      },
    }),
    span,
  );
}
