import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { metrics, trace } from '@opentelemetry/api';

/** Where every copy of `@opentelemetry/api` 1.x registers the global providers. */
const API_GLOBAL = Symbol.for('opentelemetry.js.api.1');
const WARNED = Symbol.for('credwatch.instrumentation.warned-api-mismatch');

interface RegisteredApi {
  version?: string;
  trace?: unknown;
  metrics?: unknown;
}

type Slots = { [API_GLOBAL]?: RegisteredApi; [WARNED]?: true };

/**
 * The application's providers were registered by a copy of `@opentelemetry/api` that credwatch's own copy
 * refuses to read (an older minor registered first: the api only reads registrations of its own minor or
 * newer). credwatch would then record into no-op providers, silently; this says so instead, once per process.
 * A Node warning rather than `diag`: the application's diag logger sits behind the same unreadable registration.
 */
export function warnIfProvidersHidden(): void {
  const slots = globalThis as Slots;
  const registered = slots[API_GLOBAL];
  if (registered === undefined || slots[WARNED]) return;
  const hidden =
    (registered.metrics !== undefined && metrics.getMeterProvider() !== registered.metrics) ||
    (registered.trace !== undefined && trace.getTracerProvider() !== registered.trace);
  if (!hidden) return;
  slots[WARNED] = true;
  process.emitWarning(
    `@credwatch/instrumentation cannot see the application's OpenTelemetry providers: they were registered ` +
      `with @opentelemetry/api ${registered.version ?? '(unknown version)'}, and credwatch loaded ` +
      `@opentelemetry/api ${ownApiVersion() ?? '(another copy)'}, which does not read that registration: ` +
      'what credwatch records through it is lost. Install one @opentelemetry/api for the whole application ' +
      '(`npm ls @opentelemetry/api` shows the copies; `npm dedupe` or an `overrides` entry joins them).',
    { type: 'CredwatchWarning', code: 'CREDWATCH_API_MISMATCH' },
  );
}

/** The version of the `@opentelemetry/api` this module resolves, when a package.json is there to say. */
function ownApiVersion(): string | undefined {
  try {
    let dir = dirname(createRequire(import.meta.url).resolve('@opentelemetry/api'));
    for (;;) {
      try {
        const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
          name?: string;
          version?: string;
        };
        if (manifest.name === '@opentelemetry/api') return manifest.version;
      } catch {
        // no package.json at this level (dist/): keep climbing
      }
      const parent = dirname(dir);
      if (parent === dir) return undefined;
      dir = parent;
    }
  } catch {
    return undefined; // bundled: there is no module path to ask
  }
}
