import { diag } from '@opentelemetry/api';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Flushes telemetry when the process is about to end, without changing how it ends:
 * - `beforeExit`: the loop is empty and the app is done; flush, then let Node exit with its exit code.
 * - `SIGTERM` / `SIGINT`: flush; if the app has no handler of its own, re-raise the signal so the process
 *   dies of it exactly as it would without credwatch. If the app handles it, the app decides.
 * A flush never holds the process longer than `timeoutMs` (a slow or unreachable backend loses the last
 * batch, not the exit).
 */
export function flushOnExit(flush: () => Promise<void>, timeoutMs: number): () => void {
  let flushing: Promise<boolean> | undefined;
  const flushOnce = () => {
    flushing ??= bounded(flush, timeoutMs);
    return flushing;
  };

  const onBeforeExit = () => {
    void flushOnce().then((timedOut) => {
      // Our deadline timer is the only thing left; without it Node would wait for the export's own timeout.
      if (timedOut) process.exit();
    });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    void flushOnce().then(() => {
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  };

  process.once('beforeExit', onBeforeExit);
  for (const signal of SIGNALS) process.once(signal, onSignal);
  return () => {
    process.removeListener('beforeExit', onBeforeExit);
    for (const signal of SIGNALS) process.removeListener(signal, onSignal);
  };
}

/** Resolves true when the deadline passed first. Never rejects: failures go to `diag`. */
function bounded(flush: () => Promise<void>, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      diag.warn(`credwatch: telemetry flush did not finish within ${timeoutMs} ms; exiting without it`);
      resolve(true);
    }, timeoutMs);
    flush().then(
      () => {
        clearTimeout(timer);
        resolve(false);
      },
      (error: unknown) => {
        clearTimeout(timer);
        diag.error('credwatch: telemetry flush failed', error);
        resolve(false);
      },
    );
  });
}
