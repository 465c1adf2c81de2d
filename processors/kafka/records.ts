/**
 * Pure helpers the Kafka processors share: demarcators, key encodings, header ↔ attribute
 * mapping, and the Java-compatible partitioner. No I/O, so unit tests cover them without a
 * broker.
 */
import { Partitioners, type IHeaders, type PartitionMetadata } from "kafkajs";

/** How a record key is written into (ConsumeKafka) or read from (PublishKafka) an attribute. */
export type KeyEncoding = "utf-8" | "hex" | "base64";

export const KEY_ENCODINGS: readonly KeyEncoding[] = ["utf-8", "hex", "base64"];

/**
 * A demarcator as configured: the text with the escapes \n, \r, \t and \\ turned into the
 * characters, so "\n" typed in a form means a newline.
 */
export function parseDemarcator(text: string): Buffer {
  const out = text.replace(/\\([nrt\\])/g, (_, c: string) => (c === "n" ? "\n" : c === "r" ? "\r" : c === "t" ? "\t" : "\\"));
  return Buffer.from(out, "utf8");
}

/**
 * Splits content at every demarcator. Empty content gives no records; a trailing demarcator
 * does not give an empty last record (content written as "a\nb\n" is two records), but empty
 * records between two demarcators are kept, as Kafka allows empty values.
 */
export function splitDemarcated(content: Buffer, demarcator: Buffer): Buffer[] {
  if (content.length === 0) return [];
  if (demarcator.length === 0) return [content];
  const out: Buffer[] = [];
  let start = 0;
  for (;;) {
    const i = content.indexOf(demarcator, start);
    if (i < 0) break;
    out.push(content.subarray(start, i));
    start = i + demarcator.length;
  }
  if (start < content.length) out.push(content.subarray(start));
  return out;
}

/** Joins record values with the demarcator between them (none after the last). */
export function joinDemarcated(values: ReadonlyArray<Buffer | null>, demarcator: Buffer): Buffer {
  const parts: Buffer[] = [];
  values.forEach((v, i) => {
    if (i > 0 && demarcator.length) parts.push(demarcator);
    if (v && v.length) parts.push(v);
  });
  return Buffer.concat(parts);
}

/** Renders a record key for the kafka.key attribute. */
export function encodeKey(key: Buffer, encoding: KeyEncoding): string {
  return encoding === "utf-8" ? key.toString("utf8") : key.toString(encoding);
}

/** Reads a key back from attribute text. Throws on text that is not valid in the encoding. */
export function decodeKey(text: string, encoding: KeyEncoding): Buffer {
  if (encoding === "utf-8") return Buffer.from(text, "utf8");
  if (encoding === "hex") {
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) throw new Error(`key "${text}" is not hexadecimal`);
    return Buffer.from(text, "hex");
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) throw new Error(`key "${text}" is not base64`);
  return Buffer.from(text, "base64");
}

/**
 * Headers whose name matches `pattern` (whole name) as attributes, values decoded as UTF-8.
 * A header repeated under one name keeps its last value, as an attribute holds one string.
 */
export function headersToAttributes(headers: IHeaders | undefined, pattern: RegExp | null, out: Record<string, string>): void {
  if (!headers || !pattern) return;
  for (const name in headers) {
    if (!pattern.test(name)) continue;
    const v = headers[name];
    if (v === undefined) continue;
    const last = Array.isArray(v) ? v[v.length - 1] : v;
    if (last === undefined) continue;
    out[name] = typeof last === "string" ? last : last.toString("utf8");
  }
}

/** Attributes whose name matches `pattern` (whole name) as record headers. */
export function attributesToHeaders(attributes: Readonly<Record<string, string>>, pattern: RegExp | null): IHeaders | undefined {
  if (!pattern) return undefined;
  let headers: IHeaders | undefined;
  for (const name in attributes) {
    if (pattern.test(name)) (headers ??= {})[name] = attributes[name];
  }
  return headers;
}

/** A whole-name regular expression from a configured pattern (null when empty). Throws on bad syntax. */
export function wholeNameRegex(pattern: string | undefined): RegExp | null {
  if (pattern === undefined || pattern === "") return null;
  return new RegExp(`^(?:${pattern})$`);
}

/**
 * The partition kafkajs's DefaultPartitioner (the one PublishKafka uses) picks for a keyed
 * record: murmur2 of the key, made positive, modulo the partition count, as the Java client
 * does; so a key lands on the same partition whichever client wrote it.
 */
export function partitionForKey(key: Buffer | string, partitionCount: number, topic = "t"): number {
  const partitionMetadata: PartitionMetadata[] = Array.from({ length: partitionCount }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
  }));
  return Partitioners.DefaultPartitioner()({ topic, partitionMetadata, message: { key, value: null } });
}
