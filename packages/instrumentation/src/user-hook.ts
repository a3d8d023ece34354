import type { DiagLogger, Span } from '@opentelemetry/api';
import { safeExecuteInTheMiddle } from '@opentelemetry/instrumentation';

/**
 * Calls a user hook with the span it may annotate; whatever it throws goes to `diag`, never to the
 * application (contrib's `_callUser*Hook`).
 */
export function callUserHook<Info>(
  telemetry: { readonly diag: DiagLogger },
  name: string,
  hook: ((span: Span, info: Info) => void) | undefined,
  span: Span,
  info: Info,
): void {
  if (hook === undefined) return;
  safeExecuteInTheMiddle(
    () => hook(span, info),
    (error) => error && telemetry.diag.error(`${name} threw`, error),
    true,
  );
}
