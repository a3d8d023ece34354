import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The Lambda Runtime API (`/2018-06-01/runtime/...`) for one function, and the function's runtime process:
 * the emulator starts the runtime (AWS's runtime interface client, or any other) with the environment Lambda
 * gives a function, hands it the invocations a test queues, and freezes it between them as the service does:
 * `SIGSTOP` as soon as a response (or an error) is posted, `SIGCONT` with the next invocation. Whatever the
 * function has not sent by the time it posts its response waits, frozen, until the next invocation.
 */
export interface LambdaFunctionOptions {
  /** The runtime's command line, e.g. `[process.execPath, '<aws-lambda-ric>/index.mjs']`; the handler is appended. */
  command: readonly string[];
  /** The function's code directory (`LAMBDA_TASK_ROOT`, and the runtime's working directory). */
  taskRoot: string;
  /** `module.export`, e.g. `index.handler` (`_HANDLER`). */
  handler: string;
  /** More environment: the execution role's session credentials, endpoints, `NODE_OPTIONS`, `OTEL_*`. */
  env?: Readonly<Record<string, string>>;
  functionName?: string;
  memorySizeMb?: number;
  /** Each invocation's deadline (`Lambda-Runtime-Deadline-Ms`); default 30 s. */
  timeoutMs?: number;
  /** Stop the process between invocations; default true. */
  freeze?: boolean;
  region?: string;
}

export type InvocationResult =
  | { requestId: string; ok: true; response: unknown; durationMs: number }
  | { requestId: string; ok: false; error: unknown; errorType: string | undefined; durationMs: number };

export interface LambdaFunction {
  /** Resolves when the runtime first asks for an invocation: init is done. Rejects on an init error or exit. */
  readonly initialized: Promise<{ initMs: number }>;
  /** Queues an invocation (thawing the process if it is frozen) and resolves with its outcome. */
  invoke(event: unknown): Promise<InvocationResult>;
  /** Whether the runtime process is stopped right now. */
  readonly frozen: boolean;
  readonly pid: number | undefined;
  /** Everything the runtime printed so far, stdout and stderr. */
  output(): string;
  /**
   * Ends the runtime as Lambda shuts a sandbox down: thaws it, sends `SIGTERM`, and `SIGKILL` after `graceMs`
   * (default 2000) if it is still running; then closes the Runtime API.
   */
  stop(graceMs?: number): Promise<void>;
}

const API = '/2018-06-01/runtime';

interface Pending {
  requestId: string;
  event: unknown;
  dispatchedAt?: number;
  resolve(result: InvocationResult): void;
}

/** Starts a function: its Runtime API on a loopback port, then its runtime process. */
export async function startLambdaFunction(options: LambdaFunctionOptions): Promise<LambdaFunction> {
  const functionName = options.functionName ?? 'credwatch-function';
  const region = options.region ?? 'us-east-1';
  const timeoutMs = options.timeoutMs ?? 30_000;
  const freeze = options.freeze ?? true;
  const queue: Pending[] = [];
  const inFlight = new Map<string, Pending>();
  let waitingForNext: ServerResponse | undefined;
  let child: ChildProcess | undefined;
  let frozen = false;
  let output = '';
  let markInitialized: (value: { initMs: number }) => void = () => {};
  let failInit: (error: Error) => void = () => {};
  const initialized = new Promise<{ initMs: number }>((resolve, reject) => {
    markInitialized = resolve;
    failInit = reject;
  });
  initialized.catch(() => {}); // observed through `initialized`; never an unhandled rejection here
  let initDone = false;
  const startedAt = performance.now();

  const dispatch = () => {
    const res = waitingForNext;
    const next = res === undefined ? undefined : queue.shift();
    if (res === undefined || next === undefined) return;
    waitingForNext = undefined;
    next.dispatchedAt = performance.now();
    inFlight.set(next.requestId, next);
    res.writeHead(200, {
      'content-type': 'application/json',
      'lambda-runtime-aws-request-id': next.requestId,
      'lambda-runtime-deadline-ms': String(Date.now() + timeoutMs),
      'lambda-runtime-invoked-function-arn': `arn:aws:lambda:${region}:123456789012:function:${functionName}`,
      'lambda-runtime-trace-id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replaceAll('-', '').slice(0, 24)};Sampled=0`,
    });
    res.end(JSON.stringify(next.event));
  };

  /**
   * Ends an invocation: the runtime gets its 202, then the process is frozen (as the service freezes a
   * function once its response is in), and only then does the invoker learn the outcome, so whatever it
   * checks next sees the freeze.
   */
  const settle = (
    res: ServerResponse,
    requestId: string,
    result: (pending: Pending, durationMs: number) => InvocationResult,
  ): void => {
    const pending = inFlight.get(requestId);
    if (pending === undefined) {
      reply(res, 400, { errorType: 'InvalidRequestID', errorMessage: 'unknown request id' });
      return;
    }
    inFlight.delete(requestId);
    const outcome = result(pending, performance.now() - (pending.dispatchedAt ?? performance.now()));
    res.on('finish', async () => {
      if (freeze && child?.pid !== undefined && queue.length === 0 && !frozen) {
        frozen = child.kill('SIGSTOP');
        if (frozen) await stopped(child.pid);
      }
      pending.resolve(outcome);
    });
    reply(res, 202, { status: 'OK' });
  };

  const server = createServer(async (req, res) => {
    const url = req.url ?? '';
    const body = req.method === 'POST' ? await readAll(req) : '';
    if (req.method === 'GET' && url === `${API}/invocation/next`) {
      if (!initDone) {
        initDone = true;
        markInitialized({ initMs: performance.now() - startedAt });
      }
      waitingForNext = res;
      dispatch();
      return;
    }
    const invocation = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
    if (req.method === 'POST' && invocation) {
      const requestId = decodeURIComponent(invocation[1] as string);
      const payload = parseJson(body);
      if (invocation[2] === 'response') {
        settle(res, requestId, (pending, durationMs) => ({
          requestId: pending.requestId,
          ok: true,
          response: payload,
          durationMs,
        }));
      } else {
        settle(res, requestId, (pending, durationMs) => ({
          requestId: pending.requestId,
          ok: false,
          error: payload,
          // The error type travels in a header (the native client puts it in the body too).
          errorType:
            header(req, 'lambda-runtime-function-error-type') ??
            (payload as { errorType?: string } | undefined)?.errorType,
          durationMs,
        }));
      }
      return;
    }
    if (req.method === 'POST' && url === `${API}/init/error`) {
      failInit(new Error(`init error: ${body}`));
      return reply(res, 202, { status: 'OK' });
    }
    reply(res, 404, { errorType: 'NotFound', errorMessage: `${req.method} ${url}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const runtimeApi = `127.0.0.1:${(server.address() as AddressInfo).port}`;

  const [file, ...args] = options.command as [string, ...string[]];
  child = spawn(file, [...args, options.handler], {
    cwd: options.taskRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      AWS_LAMBDA_FUNCTION_NAME: functionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memorySizeMb ?? 512),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
      AWS_LAMBDA_LOG_STREAM_NAME: `2026/11/30/[$LATEST]${randomUUID().replaceAll('-', '')}`,
      AWS_LAMBDA_RUNTIME_API: runtimeApi,
      LAMBDA_TASK_ROOT: options.taskRoot,
      LAMBDA_RUNTIME_DIR: options.taskRoot,
      _HANDLER: options.handler,
      ...options.env,
    },
  });
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  child.once('exit', (code, signal) => {
    failInit(new Error(`the runtime exited (code ${code}, signal ${signal}) before init ended:\n${output}`));
    for (const pending of [...queue, ...inFlight.values()]) {
      pending.resolve({
        requestId: pending.requestId,
        ok: false,
        error: { errorMessage: `the runtime exited (code ${code}, signal ${signal})` },
        errorType: 'Runtime.ExitError',
        durationMs: 0,
      });
    }
    queue.length = 0;
    inFlight.clear();
  });

  return {
    initialized,
    get frozen() {
      return frozen;
    },
    get pid() {
      return child?.pid;
    },
    output: () => output,
    invoke(event) {
      return new Promise<InvocationResult>((resolve) => {
        queue.push({ requestId: randomUUID(), event, resolve });
        if (frozen) frozen = !child?.kill('SIGCONT');
        dispatch();
      });
    },
    async stop(graceMs = 2000) {
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child?.once('exit', resolve));
        if (frozen) child.kill('SIGCONT');
        frozen = false;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child?.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      waitingForNext?.destroy();
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}

/**
 * Resolves once the kernel has stopped the process: a signal is delivered asynchronously, and whoever learns
 * the invocation's outcome must find the process frozen. Linux reports it in /proc; elsewhere, a short pause.
 */
async function stopped(pid: number): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    let state: string | undefined;
    try {
      state = /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return;
    }
    if (state === 'T' || state === 't') return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
    });
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return text;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
