// `refreshBefore`: how early credwatch asks a client's provider for new credentials, ahead of the SDK's fixed
// five-minute window. The value is parsed here, once per distinct setting, and read at every provider call.

/** Seconds before expiry, or a share of the session's lifetime (expiration − fetch time). */
export type RefreshAhead = { readonly seconds: number } | { readonly share: number };

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const SHARE = /^(\d+(?:\.\d+)?)%$/;
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/**
 * `900`, `'15m'`, `'90s'`, `'1h'` or `'25%'`; undefined for anything else (the config check names the setting).
 * A share must be between 0 and 100 %, exclusive; a time must be more than 0.
 */
export function parseRefreshBefore(value: unknown): RefreshAhead | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? { seconds: value } : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const duration = DURATION.exec(text);
  if (duration) {
    const seconds = Number(duration[1]) * (UNIT_SECONDS[duration[2] as string] as number);
    return seconds > 0 ? { seconds } : undefined;
  }
  const share = SHARE.exec(text);
  if (share) {
    const percent = Number(share[1]);
    return percent > 0 && percent < 100 ? { share: percent / 100 } : undefined;
  }
  return undefined;
}

let lastSetting: unknown;
let lastParsed: RefreshAhead | undefined;

/** The parsed setting, memoized on its raw value (it is read at every provider call). */
export function refreshAheadOf(setting: unknown): RefreshAhead | undefined {
  if (setting === undefined) return undefined;
  if (setting !== lastSetting) {
    lastSetting = setting;
    lastParsed = parseRefreshBefore(setting);
  }
  return lastParsed;
}

/**
 * Whether credentials expiring at `expirationMs` (fetched at `fetchedAtMs`, when known) are due for an early
 * refresh at `nowMs`: less than the configured time, or share of their lifetime, is left.
 */
export function dueAhead(
  ahead: RefreshAhead,
  expirationMs: number,
  fetchedAtMs: number | undefined,
  nowMs: number,
): boolean {
  const leftMs = expirationMs - nowMs;
  if ('seconds' in ahead) return leftMs < ahead.seconds * 1000;
  if (fetchedAtMs === undefined || expirationMs <= fetchedAtMs) return false;
  return leftMs < ahead.share * (expirationMs - fetchedAtMs);
}
