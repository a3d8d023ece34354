import { type DurationInput, toMilliseconds } from './duration.js';

/**
 * The emulator's credential clock: issue times, expirations and session ages are read from it.
 * It follows the process clock (so fake timers in a test move it too) plus an offset a test can move,
 * which lets a test age credentials past expiry without waiting.
 */
export interface EmulatorClock {
  /** The emulator's current time. */
  now(): Date;
  /** Moves the clock forward (a negative number of seconds moves it back). */
  advance(by: DurationInput): void;
  /** Sets the clock to a given time. */
  set(to: Date): void;
  /** Removes any offset: the clock follows the process clock again. */
  reset(): void;
  /** The current offset from the process clock, in milliseconds. */
  readonly offsetMs: number;
}

export class Clock implements EmulatorClock {
  #offsetMs = 0;

  get offsetMs(): number {
    return this.#offsetMs;
  }

  nowMs(): number {
    return Date.now() + this.#offsetMs;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  advance(by: DurationInput): void {
    const ms = typeof by === 'number' ? by * 1_000 : toMilliseconds(by, 'clock.advance');
    this.#offsetMs += ms;
  }

  set(to: Date): void {
    this.#offsetMs = to.getTime() - Date.now();
  }

  reset(): void {
    this.#offsetMs = 0;
  }
}
