import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { AwsError } from './http/errors.js';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

/** A child element: a value, a nested element list, or a repeated element (array). */
export type XmlValue = string | number | boolean | Date | undefined | XmlElements | XmlValue[];
export interface XmlElements {
  [tag: string]: XmlValue;
}

function render(tag: string, value: XmlValue): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((item) => render(tag, item)).join('');
  if (value instanceof Date) return `<${tag}>${value.toISOString()}</${tag}>`;
  if (typeof value === 'object') return `<${tag}>${renderChildren(value)}</${tag}>`;
  return `<${tag}>${escapeXml(String(value))}</${tag}>`;
}

function renderChildren(elements: XmlElements): string {
  return Object.entries(elements)
    .map(([tag, value]) => render(tag, value))
    .join('');
}

/** Serializes one root element with an XML declaration, the way AWS services answer. */
export function toXml(root: string, children: XmlElements, xmlns?: string): string {
  const attrs = xmlns ? ` xmlns="${xmlns}"` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${attrs}>${renderChildren(children)}</${root}>`;
}

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true });

/** Parses a request body; anything that is not well-formed XML is S3's `MalformedXML`. */
export function parseXml(body: Buffer, malformed: () => AwsError): Record<string, unknown> {
  const text = body.toString('utf8');
  if (XMLValidator.validate(text) !== true) throw malformed();
  try {
    return parser.parse(text) as Record<string, unknown>;
  } catch {
    throw malformed();
  }
}
