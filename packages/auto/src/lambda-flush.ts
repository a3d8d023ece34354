import { existsSync, readFileSync } from 'node:fs';
import Module, { register } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LAMBDA_INVOCATIONS } from '@credwatch/instrumentation';
import { diag } from '@opentelemetry/api';
import { Hook } from 'import-in-the-middle';

type Env = Readonly<Record<string, string | undefined>>;
type Handler = (this: unknown, ...args: unknown[]) => unknown;

/** The handler's module and export, from `_HANDLER` (`dir/module.export`) and `LAMBDA_TASK_ROOT`. */
export function lambdaHandler(env: Env): { url: string; exportName: string } | undefined {
  const { AWS_LAMBDA_FUNCTION_NAME: name, _HANDLER: handler, LAMBDA_TASK_ROOT: root } = env;
  if (!name || !handler || !root) return undefined;
  const match = /^(.*?)([^/]+)\.([^./]+)$/.exec(handler);
  if (!match) return undefined;
  const base = resolve(root, match[1] as string, match[2] as string);
  const file = ['.js', '.mjs', '.cjs']
    .map((extension) => `${base}${extension}`)
    .find((path) => existsSync(path));
  return file === undefined ? undefined : { url: pathToFileURL(file).href, exportName: match[3] as string };
}

/**
 * In a Lambda function: flushes credwatch's spans and metrics at the end of every invocation, before the runtime
 * posts the response (after which Lambda freezes the process, and anything not sent waits, or is lost with the
 * sandbox). The runtime interface client loads the handler with `import()`; for a CommonJS handler that goes
 * through `Module._load` (never through `require`, so a require hook does not see it), where the handler's
 * export is wrapped once; an ES module handler goes through import-in-the-middle. The flush waits at most
 * `timeoutMs`, and not at all while the backend is down (see `InvocationFlusher`): never the invocation's result.
 */
export function flushEachInvocation(
  flush: () => Promise<void>,
  timeoutMs: number,
  env: Env = process.env,
): void {
  const target = lambdaHandler(env);
  if (target === undefined) return;
  const file = fileURLToPath(target.url);
  const wrap = (exports: Record<string, unknown> | undefined) => {
    const original = exports?.[target.exportName];
    if (exports && typeof original === 'function') {
      const flusher = new InvocationFlusher(flush, timeoutMs);
      exports[target.exportName] = wrapHandler(original as Handler, () => flusher.flush());
    }
  };
  if (file.endsWith('.mjs') || (file.endsWith('.js') && isModuleScope(file))) {
    // An ES module's exports are live bindings no loader hands out: import-in-the-middle rewrites the module
    // so its exports can be replaced, through the loader thread (only ES module loads go through it).
    register('import-in-the-middle/hook.mjs', import.meta.url, { data: { include: [target.url] } });
    new Hook([target.url, file], (exports) => wrap(exports as Record<string, unknown>));
    return;
  }
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const load = loader._load;
  loader._load = function credwatchLambdaLoad(this: unknown, request: string, ...rest: unknown[]) {
    const exports = load.call(this, request, ...rest) as Record<string, unknown> | undefined;
    if (request === file || request === target.url) {
      loader._load = load; // the handler loads once
      wrap(exports);
    }
    return exports;
  };
}

/** Whether the nearest package.json makes `.js` files ES modules. */
function isModuleScope(file: string): boolean {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        return JSON.parse(readFileSync(manifest, 'utf8')).type === 'module';
      } catch {
        return false;
      }
    }
    if (dirname(dir) === dir) return false;
  }
}

/** The handler, flushing once its promise settles (or its callback is called) and before that reaches Lambda. */
function wrapHandler(original: Handler, flush: () => Promise<void>): Handler {
  const wrapped = function credwatchFlushingHandler(this: unknown, ...args: unknown[]) {
    // Counted for the detectors: a finding says over how many invocations the credentials were reused.
    const counter = globalThis as { [LAMBDA_INVOCATIONS]?: number };
    counter[LAMBDA_INVOCATIONS] = (counter[LAMBDA_INVOCATIONS] ?? 0) + 1;
    const callback = args[2];
    if (typeof callback === 'function' && original.length >= 3) {
      args[2] = (...results: unknown[]) => {
        flush().then(() => callback(...results));
      };
      return original.apply(this, args);
    }
    // `flush` never rejects: the handler's own result or error reaches the runtime, after the flush.
    return Promise.resolve()
      .then(() => original.apply(this, args))
      .finally(flush);
  };
  // A runtime may read the arity to tell a callback handler from an async one.
  Object.defineProperty(wrapped, 'length', { value: original.length });
  return wrapped;
}

/**
 * The end-of-invocation flush, waited for at most `timeoutMs`. After a flush that failed or ran out of time, the
 * backend is taken for down: later invocations start a flush (one at a time) but do not wait for it, so a dead
 * backend costs one invocation the timeout, not every invocation; the first flush that succeeds again makes
 * invocations wait for their flush once more.
 */
export class InvocationFlusher {
  private inFlight: Promise<boolean> | undefined;
  private backendDown = false;

  constructor(
    private readonly flushProviders: () => Promise<void>,
    private readonly timeoutMs: number,
  ) {}

  async flush(): Promise<void> {
    this.inFlight ??= this.flushProviders().then(
      () => this.settle(true),
      (error) => {
        diag.warn('credwatch: flushing telemetry at the end of an invocation failed', error);
        return this.settle(false);
      },
    );
    if (this.backendDown) return;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
      timer.unref();
    });
    const outcome = await Promise.race([this.inFlight, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.backendDown = true;
      diag.warn(
        `credwatch: the end-of-invocation flush took over ${this.timeoutMs} ms; later invocations do not wait for it until one succeeds`,
      );
    }
  }

  private settle(succeeded: boolean): boolean {
    this.inFlight = undefined;
    this.backendDown = !succeeded;
    return succeeded;
  }
}
