import { createRequire } from 'node:module';
import { AwsCredentialsInstrumentation } from '@credwatch/instrumentation';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { AwsInstrumentation } from '@opentelemetry/instrumentation-aws-sdk';
import {
  AggregationTemporality,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';

/** Exporters that accept everything and keep nothing: the SDK's own work stays in the measurement. */
export class NoopSpanExporter implements SpanExporter {
  spans = 0;
  export(spans: unknown[], done: (result: { code: 0 }) => void): void {
    this.spans += spans.length;
    done({ code: 0 });
  }
  async shutdown(): Promise<void> {}
}

const noopMetricExporter: PushMetricExporter = {
  export: (_metrics, done) => done({ code: 0 }),
  forceFlush: async () => {},
  shutdown: async () => {},
  selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
};

export const CONFIGS = ['bare SDK', '+ credwatch', '+ instrumentation-aws-sdk', '+ both'] as const;
export type Config = (typeof CONFIGS)[number];

/**
 * The OpenTelemetry SDK as an application runs it (async-hooks context, batch span processor, periodic metric
 * reader) with both instrumentations constructed before the AWS SDK loads. `use(config)` enables the ones a
 * configuration wants; clients created afterwards are instrumented accordingly.
 */
export function setUpTelemetry(options: { timers?: boolean } = {}) {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const spans = new NoopSpanExporter();
  // Without timers (`timers: false`), nothing depends on the clock: spans go out in full batches, metrics
  // when the caller collects. What a process executes is then the same from run to run.
  const never = 2 ** 31 - 1;
  const tracerProvider = new TracerProvider({
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: spans,
        ...(options.timers === false ? { scheduledDelayMillis: never } : {}),
      }),
    ],
  });
  trace.setGlobalTracerProvider(tracerProvider);
  const reader = new PeriodicExportingMetricReader({
    exporter: noopMetricExporter,
    exportIntervalMillis: options.timers === false ? never : 10_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const credwatch = new AwsCredentialsInstrumentation();
  const awsSdk = new AwsInstrumentation();
  for (const instrumentation of [credwatch, awsSdk] as Instrumentation[]) {
    instrumentation.setTracerProvider(tracerProvider);
    instrumentation.setMeterProvider(meterProvider);
  }
  return {
    spans,
    reader,
    use(config: Config) {
      const credwatchOn = config === '+ credwatch' || config === '+ both';
      const awsSdkOn = config === '+ instrumentation-aws-sdk' || config === '+ both';
      // Toggle only on change: disabling twice makes the unwrapping complain.
      if (credwatchOn !== credwatch.isEnabled()) credwatchOn ? credwatch.enable() : credwatch.disable();
      if (awsSdkOn !== awsSdk.isEnabled()) awsSdkOn ? awsSdk.enable() : awsSdk.disable();
    },
    /** Signing attempts credwatch has recorded so far. */
    async signings(): Promise<number> {
      const { resourceMetrics } = await reader.collect();
      let total = 0;
      for (const scope of resourceMetrics.scopeMetrics)
        for (const metric of scope.metrics)
          if (metric.descriptor.name === 'aws.credentials.signings')
            for (const point of metric.dataPoints) total += point.value as number;
      return total;
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** The AWS SDK, required after the instrumentations exist so their require hooks see it. */
export function loadSdk() {
  const require = createRequire(import.meta.url);
  return {
    s3: require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3'),
    providers: require('@aws-sdk/credential-providers') as typeof import('@aws-sdk/credential-providers'),
  };
}
