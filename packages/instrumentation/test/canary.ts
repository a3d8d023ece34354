import type { Emulator } from '@credwatch/emulator';
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
  const secrets = new Set<string>();
  for (const emulator of watched) {
    secrets.add(emulator.longTermKey.secretAccessKey);
    secrets.add(emulator.longTermKey.accessKeyId);
    for (const issued of emulator.issuedCredentials()) {
      secrets.add(issued.secretAccessKey);
      secrets.add(issued.accessKeyId);
      if (issued.sessionToken) secrets.add(issued.sessionToken);
    }
  }
  return [...secrets];
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

/** Where in the telemetry text each secret occurs: `[]` when nothing leaked. */
export function findSecrets(texts: string[], secrets: string[]): string[] {
  const hits: string[] = [];
  for (const secret of secrets) {
    texts.forEach((text, index) => {
      if (text.includes(secret))
        hits.push(`secret …${secret.slice(-4)} in telemetry item ${index}: ${text.slice(0, 200)}`);
    });
  }
  return hits;
}

/** Run after every test file: spans, metric points and diag output against every secret issued. */
export async function assertNoSecretsEmitted(telemetry: TelemetryHarness): Promise<void> {
  await telemetry.collect();
  const texts = [
    ...telemetry.everything.spans.map(spanText),
    ...telemetry.collected.map((metrics) => JSON.stringify(metrics.scopeMetrics)),
    ...telemetry.diagMessages,
  ];
  expect(findSecrets(texts, secretsIssued())).toEqual([]);
}
