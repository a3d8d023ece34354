import { type Attributes, context, DiagLogLevel, diag } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  type ReadableLogRecord,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import {
  type DataPoint,
  type Histogram,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { AwsCredentialsInstrumentation } from '../src/index.js';

/** A reader the test pulls from: cumulative points, collected on demand. */
class PullReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Everything credwatch emitted in this test file, whatever the tests reset: the secret canary reads it. */
class Everything implements SpanProcessor {
  readonly spans: ReadableSpan[] = [];
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    this.spans.push(span);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export interface Point {
  attributes: Attributes;
  value: number;
}

export interface HistogramPoint {
  attributes: Attributes;
  count: number;
  sum: number | undefined;
  min: number | undefined;
  max: number | undefined;
}

/**
 * The real OpenTelemetry SDK wired to one credwatch instrumentation: an in-memory span exporter, a pull
 * metric reader and a diag logger, all kept for the secret canary.
 */
export class TelemetryHarness {
  readonly exporter = new InMemorySpanExporter();
  readonly logExporter = new InMemoryLogRecordExporter();
  /** Every log record of the file, never reset, for the secret canary. */
  readonly everyLog = new InMemoryLogRecordExporter();
  readonly everything = new Everything();
  readonly diagMessages: string[] = [];
  readonly collected: ResourceMetrics[] = [];
  readonly instrumentation: AwsCredentialsInstrumentation;
  readonly tracerProvider: TracerProvider;
  private reader = new PullReader();

  constructor() {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const record =
      (level: string) =>
      (message: string, ...args: unknown[]) =>
        this.diagMessages.push(`${level} ${message} ${args.map((arg) => describe(arg)).join(' ')}`);
    diag.setLogger(
      {
        error: record('error'),
        warn: record('warn'),
        info: record('info'),
        debug: record('debug'),
        verbose: record('verbose'),
      },
      { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true },
    );
    this.tracerProvider = new TracerProvider({
      spanProcessors: [new SimpleSpanProcessor({ exporter: this.exporter }), this.everything],
    });
    this.instrumentation = new AwsCredentialsInstrumentation();
    this.instrumentation.setTracerProvider(this.tracerProvider);
    this.instrumentation.setMeterProvider(new MeterProvider({ readers: [this.reader] }));
    this.instrumentation.setLoggerProvider(
      new LoggerProvider({
        processors: [
          new SimpleLogRecordProcessor({ exporter: this.logExporter }),
          new SimpleLogRecordProcessor({ exporter: this.everyLog }),
        ],
      }),
    );
  }

  /** Log records emitted through the Logs API. */
  logs(): ReadableLogRecord[] {
    return this.logExporter.getFinishedLogRecords();
  }

  /** Fresh spans and a fresh meter provider (credwatch recreates its instruments), default config. */
  reset(): void {
    this.exporter.reset();
    this.logExporter.reset();
    this.reader = new PullReader();
    this.instrumentation.setMeterProvider(new MeterProvider({ readers: [this.reader] }));
    this.instrumentation.setConfig({});
  }

  spans(name?: string): ReadableSpan[] {
    const spans = this.exporter.getFinishedSpans();
    return name === undefined ? spans : spans.filter((span) => span.name === name);
  }

  async collect(): Promise<ResourceMetrics> {
    const { resourceMetrics, errors } = await this.reader.collect();
    if (errors.length > 0) throw new AggregateError(errors, 'metric collection failed');
    this.collected.push(resourceMetrics);
    return resourceMetrics;
  }

  private async dataPoints(name: string): Promise<DataPoint<unknown>[]> {
    const resourceMetrics = await this.collect();
    return resourceMetrics.scopeMetrics
      .flatMap((scope) => scope.metrics)
      .filter((metric) => metric.descriptor.name === name)
      .flatMap((metric) => metric.dataPoints as DataPoint<unknown>[]);
  }

  /** A counter's points, each with its attributes and value. */
  async counter(name: string): Promise<Point[]> {
    return (await this.dataPoints(name)).map((point) => ({
      attributes: point.attributes,
      value: point.value as number,
    }));
  }

  async histogram(name: string): Promise<HistogramPoint[]> {
    return (await this.dataPoints(name)).map((point) => {
      const value = point.value as Histogram;
      return {
        attributes: point.attributes,
        count: value.count,
        sum: value.sum,
        min: value.min,
        max: value.max,
      };
    });
  }
}

function describe(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message} ${value.stack ?? ''}`;
  try {
    return typeof value === 'string' ? value : JSON.stringify(value);
  } catch {
    return String(value);
  }
}

const HARNESS = Symbol.for('credwatch.test.harness');

/** The file's one harness, created by the setup file before the test file imports the SDK. */
export function harness(): TelemetryHarness {
  const global = globalThis as { [HARNESS]?: TelemetryHarness };
  global[HARNESS] ??= new TelemetryHarness();
  return global[HARNESS];
}
