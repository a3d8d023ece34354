import type { Emulator } from '@credwatch/emulator';
import { emulatorSecrets, findSecrets } from '@credwatch/test-support';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { expect } from 'vitest';
import type { TelemetryHarness } from './harness.js';

const watched: Emulator[] = [];

/** Every secret this emulator issues (and its long-term key) joins the canary's list. */
export function watchSecrets(emulator: Emulator): Emulator {
  watched.push(emulator);
  return emulator;
}

/** Secret keys, session tokens and full access key ids: none may appear in any telemetry. */
export function secretsIssued(): string[] {
  return emulatorSecrets(watched);
}

function spanText(span: ReadableSpan): string {
  return JSON.stringify({
    name: span.name,
    attributes: span.attributes,
    events: span.events.map((event) => ({ name: event.name, attributes: event.attributes })),
    links: span.links,
    status: span.status,
    resource: span.resource.attributes,
  });
}

/** Run after every test file: spans, metric points, log records and diag output against every secret issued. */
export async function assertNoSecretsEmitted(telemetry: TelemetryHarness): Promise<void> {
  await telemetry.collect();
  const texts = [
    ...telemetry.everything.spans.map(spanText),
    ...telemetry.collected.map((metrics) => JSON.stringify(metrics.scopeMetrics)),
    ...telemetry.diagMessages,
    ...telemetry.everyLog
      .getFinishedLogRecords()
      .map((record) => JSON.stringify({ body: record.body, attributes: record.attributes })),
  ];
  expect(findSecrets(texts, secretsIssued())).toEqual([]);
}
