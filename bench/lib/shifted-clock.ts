const RealDate = Date;
let offsetMs = 0;

/** `Date` as the SDK and the emulator read it, movable forward so a run can cross refresh boundaries. */
class ShiftedDate extends RealDate {
  constructor(...args: unknown[]) {
    if (args.length === 0) super(RealDate.now() + offsetMs);
    else super(...(args as [string]));
  }
  static override now(): number {
    return RealDate.now() + offsetMs;
  }
}

export function installShiftedClock(): { advance(ms: number): void } {
  globalThis.Date = ShiftedDate as DateConstructor;
  return {
    advance(ms) {
      offsetMs += ms;
    },
  };
}
