/** Counts of what reached the emulator, so tests can assert exact numbers of STS, IMDS and S3 calls. */
export interface EmulatorStats {
  /**
   * Calls to a target: a service (`'sts'`, `'s3'`, `'imds'`, `'container'`) or one action
   * (`'sts:AssumeRole'`, `'s3:PutObject'`, `'imds:token'`, `'imds:credentials'`…). No target: all calls.
   * Every call counts, including those answered with an error or a fault.
   */
  calls(target?: string): number;
  /** Per action, the requests a key signed (accepted or rejected after its key was identified). */
  signedBy(accessKeyId: string): Record<string, number>;
  /** Error responses by code (`'TokenRefreshRequired'`, `'ExpiredToken'`…); no code: all of them. */
  errors(code?: string): number;
  snapshot(): StatsSnapshot;
  reset(): void;
}

export interface StatsSnapshot {
  calls: Record<string, number>;
  signedBy: Record<string, Record<string, number>>;
  errors: Record<string, number>;
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

function sum(counts: Record<string, number>, keep: (key: string) => boolean): number {
  let total = 0;
  for (const [key, count] of Object.entries(counts)) if (keep(key)) total += count;
  return total;
}

export class StatsRecorder implements EmulatorStats {
  #calls: Record<string, number> = {};
  #signedBy: Record<string, Record<string, number>> = {};
  #errors: Record<string, number> = {};

  recordCall(service: string, action: string): void {
    bump(this.#calls, `${service}:${action}`);
  }

  recordSigner(accessKeyId: string, service: string, action: string): void {
    this.#signedBy[accessKeyId] ??= {};
    bump(this.#signedBy[accessKeyId], `${service}:${action}`);
  }

  recordError(code: string): void {
    bump(this.#errors, code);
  }

  calls(target?: string): number {
    if (target === undefined) return sum(this.#calls, () => true);
    if (target.includes(':')) return this.#calls[target] ?? 0;
    return sum(this.#calls, (key) => key.startsWith(`${target}:`));
  }

  signedBy(accessKeyId: string): Record<string, number> {
    return { ...this.#signedBy[accessKeyId] };
  }

  errors(code?: string): number {
    return code === undefined ? sum(this.#errors, () => true) : (this.#errors[code] ?? 0);
  }

  snapshot(): StatsSnapshot {
    return structuredClone({ calls: this.#calls, signedBy: this.#signedBy, errors: this.#errors });
  }

  reset(): void {
    this.#calls = {};
    this.#signedBy = {};
    this.#errors = {};
  }
}
