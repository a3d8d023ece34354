import type { ExpiryState } from './types.js';

/** AWS SDK v3 refreshes credentials this long before they expire (`EXPIRATION_MS` in `@smithy/core`). */
export const REFRESH_WINDOW_MS = 300_000;

export function expiryState(expirationMs: number | undefined, nowMs: number): ExpiryState {
  if (expirationMs === undefined) return 'no_expiry';
  const left = expirationMs - nowMs;
  if (left <= 0) return 'expired';
  return left < REFRESH_WINDOW_MS ? 'refresh_window' : 'valid';
}

/** The expiration as epoch milliseconds, or undefined when the SDK gave none (or an invalid date). */
export function expirationMs(expiration: unknown): number | undefined {
  if (!(expiration instanceof Date)) return undefined;
  const ms = expiration.getTime();
  return Number.isNaN(ms) ? undefined : ms;
}
