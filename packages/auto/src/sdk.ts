import { context, logs, metrics, propagation, type TextMapPropagator, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { type Instrumentation, registerInstrumentations } from '@opentelemetry/instrumentation';
import {
  detectResources,
  envDetector,
  hostDetector,
  osDetector,
  processDetector,
  type ResourceDetector,
  serviceInstanceIdDetector,
} from '@opentelemetry/resources';
import {
  BatchLogRecordProcessor,
  ConsoleLogRecordExporter,
  LoggerProvider,
  type LogRecordExporter,
  type LogRecordProcessor,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import { type IMetricReader, MeterProvider } from '@opentelemetry/sdk-metrics';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  type Sampler,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanLimits,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { selectedExporters, splitList } from './env-config.js';
import { loadPackage, OPTIONAL_PACKAGES, otlpExporterPackage } from './exporter-packages.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The OpenTelemetry SDK as `@credwatch/auto` starts it: the same components and `OTEL_*` variables as the Node
 * SDK's `NodeSDK` for traces and metrics, assembled here so that only the exporters the environment selects
 * are loaded (the Node SDK loads every exporter it supports, which is most of a cold start). The logs
 * pipeline carries credwatch's findings.
 */
export class CredwatchSdk {
  private tracerProvider: TracerProvider | undefined;
  private meterProvider: MeterProvider | undefined;
  private loggerProvider: LoggerProvider | undefined;

  constructor(
    private readonly instrumentations: Instrumentation[],
    private readonly metricReaders: IMetricReader[],
    private readonly env: Env = process.env,
  ) {}

  start(): void {
    registerInstrumentations({ instrumentations: this.instrumentations });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const propagator = propagatorFromEnv(this.env);
    if (propagator) propagation.setGlobalPropagator(propagator);
    const resource = detectResources({ detectors: detectorsFromEnv(this.env) });

    if (this.metricReaders.length > 0) {
      this.meterProvider = new MeterProvider({ resource, readers: this.metricReaders });
      metrics.setGlobalMeterProvider(this.meterProvider);
      for (const instrumentation of this.instrumentations)
        instrumentation.setMeterProvider(metrics.getMeterProvider());
    }
    const logProcessors = logRecordProcessorsFromEnv(this.env);
    if (logProcessors.length > 0) {
      // Only credwatch writes logs here: its findings, as `WARN` records with their fix.
      this.loggerProvider = new LoggerProvider({ resource, processors: logProcessors });
      logs.setGlobalLoggerProvider(this.loggerProvider);
      for (const instrumentation of this.instrumentations)
        instrumentation.setLoggerProvider?.(this.loggerProvider);
    }
    const spanProcessors = spanProcessorsFromEnv(this.env);
    if (spanProcessors.length > 0) {
      const sampler = samplerFromEnv(this.env);
      this.tracerProvider = new TracerProvider({
        resource,
        spanProcessors,
        spanLimits: spanLimitsFromEnv(this.env),
        ...(sampler ? { sampler } : {}),
      });
      trace.setGlobalTracerProvider(this.tracerProvider);
    }
  }

  /** Exports what the providers hold now (an invocation's end in Lambda); they keep running. */
  async forceFlush(): Promise<void> {
    await Promise.all([
      this.tracerProvider?.forceFlush(),
      this.meterProvider?.forceFlush(),
      this.loggerProvider?.forceFlush(),
    ]);
  }

  /** Flushes and stops what `start()` created. */
  async shutdown(): Promise<void> {
    await Promise.all([
      this.tracerProvider?.shutdown(),
      this.meterProvider?.shutdown(),
      this.loggerProvider?.shutdown(),
    ]);
  }
}

const DETECTORS: Record<string, ResourceDetector> = {
  env: envDetector,
  host: hostDetector,
  os: osDetector,
  process: processDetector,
  serviceinstance: serviceInstanceIdDetector,
};

/** `OTEL_NODE_RESOURCE_DETECTORS`, as the Node SDK reads it; every detector by default. */
function detectorsFromEnv(env: Env): ResourceDetector[] {
  const names = splitList(env.OTEL_NODE_RESOURCE_DETECTORS ?? '');
  if (names.length === 0 || names.includes('all')) return Object.values(DETECTORS);
  if (names.includes('none')) return [];
  return names.flatMap((name) => (DETECTORS[name] ? [DETECTORS[name]] : []));
}

/** `OTEL_PROPAGATORS`: W3C trace context and baggage by default; `none` sets no propagator. */
function propagatorFromEnv(env: Env): TextMapPropagator | undefined {
  const names = splitList(env.OTEL_PROPAGATORS ?? '');
  const selected = names.length === 0 ? ['tracecontext', 'baggage'] : names;
  if (selected.includes('none')) return undefined;
  const propagators: TextMapPropagator[] = [];
  if (selected.includes('tracecontext')) propagators.push(new W3CTraceContextPropagator());
  if (selected.includes('baggage')) propagators.push(new W3CBaggagePropagator());
  return new CompositePropagator({ propagators });
}

function number(env: Env, name: string): number | undefined {
  const value = env[name]?.trim();
  return value ? Number(value) : undefined;
}

/** `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG` (validated by `readConfig`). */
function samplerFromEnv(env: Env): Sampler | undefined {
  const ratio = () => number(env, 'OTEL_TRACES_SAMPLER_ARG') ?? 1;
  switch (env.OTEL_TRACES_SAMPLER?.trim().toLowerCase()) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio());
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio()) });
    default:
      return undefined;
  }
}

function spanLimitsFromEnv(env: Env): SpanLimits {
  const limits: Record<string, number | undefined> = {
    attributeCountLimit:
      number(env, 'OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT') ?? number(env, 'OTEL_ATTRIBUTE_COUNT_LIMIT'),
    attributeValueLengthLimit:
      number(env, 'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT') ??
      number(env, 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT'),
    eventCountLimit: number(env, 'OTEL_SPAN_EVENT_COUNT_LIMIT'),
    linkCountLimit: number(env, 'OTEL_SPAN_LINK_COUNT_LIMIT'),
  };
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined)) as SpanLimits;
}

/** `OTEL_LOGS_EXPORTER` (otlp by default), each exporter loaded only when selected. */
function logRecordProcessorsFromEnv(env: Env): LogRecordProcessor[] {
  const names = selectedExporters(env, 'LOGS');
  const processors: LogRecordProcessor[] = [];
  for (const name of names) {
    if (name === 'console')
      processors.push(new SimpleLogRecordProcessor({ exporter: new ConsoleLogRecordExporter() }));
    if (name === 'otlp') processors.push(new BatchLogRecordProcessor({ exporter: otlpLogExporter(env) }));
  }
  return processors;
}

function otlpLogExporter(env: Env): LogRecordExporter {
  const { OTLPLogExporter } = loadPackage<{ OTLPLogExporter: new () => LogRecordExporter }>(
    otlpExporterPackage(env, 'LOGS'),
  );
  return new OTLPLogExporter();
}

/** `OTEL_TRACES_EXPORTER` (otlp by default), each exporter loaded only when selected. */
function spanProcessorsFromEnv(env: Env): SpanProcessor[] {
  const names = selectedExporters(env, 'TRACES');
  const processors: SpanProcessor[] = [];
  for (const name of names) {
    if (name === 'console') processors.push(new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() }));
    if (name === 'otlp') processors.push(batch(otlpTraceExporter(env), env));
    if (name === 'zipkin') {
      const { ZipkinExporter } = loadPackage<{ ZipkinExporter: new () => SpanExporter }>(
        OPTIONAL_PACKAGES.zipkin,
      );
      processors.push(batch(new ZipkinExporter(), env));
    }
  }
  return processors;
}

function otlpTraceExporter(env: Env): SpanExporter {
  const { OTLPTraceExporter } = loadPackage<{ OTLPTraceExporter: new () => SpanExporter }>(
    otlpExporterPackage(env, 'TRACES'),
  );
  return new OTLPTraceExporter();
}

function batch(exporter: SpanExporter, env: Env): SpanProcessor {
  const settings = {
    maxQueueSize: number(env, 'OTEL_BSP_MAX_QUEUE_SIZE'),
    scheduledDelayMillis: number(env, 'OTEL_BSP_SCHEDULE_DELAY'),
    exportTimeoutMillis: number(env, 'OTEL_BSP_EXPORT_TIMEOUT'),
    maxExportBatchSize: number(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
  };
  const given = Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
  return new BatchSpanProcessor({ exporter, ...given });
}
