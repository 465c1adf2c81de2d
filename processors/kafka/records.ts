/**
 * Pure helpers the Kafka processors share: demarcators, key encodings, header ↔ attribute
 * mapping, and the Java-compatible partitioner. No I/O, so unit tests cover them without a
 * broker.
 */
import { Partitioners, type IHeaders, type PartitionMetadata } from "kafkajs";
import { compileJavaRegex, type SafeRegex } from "../../engine/sdk";

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
export function headersToAttributes(headers: IHeaders | undefined, pattern: SafeRegex | null, out: Record<string, string>): void {
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
export function attributesToHeaders(attributes: Readonly<Record<string, string>>, pattern: SafeRegex | null): IHeaders | undefined {
  if (!pattern) return undefined;
  let headers: IHeaders | undefined;
  for (const name in attributes) {
    if (pattern.test(name)) (headers ??= {})[name] = attributes[name];
  }
  return headers;
}

/** A whole-name (Java-style, linear-time) pattern from a configured pattern (null when empty). Throws RegexError on bad syntax. */
export function wholeNameRegex(pattern: string | undefined): SafeRegex | null {
  if (pattern === undefined || pattern === "") return null;
  return compileJavaRegex(pattern, "full");
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

/**
 * Mime type of Sluice's Kafka record batches: ConsumeKafka's "framed" output and PublishKafka's
 * "framed" input. One FlowFile carries many records of one partition with their keys, headers,
 * offsets and timestamps, so a Kafka → Kafka flow pays the per-FlowFile cost once per batch
 * and still republishes every record with its own key.
 */
export const FRAMED_MIME_TYPE = "application/vnd.sluice.kafka-records";

/** One record of a framed batch. */
export interface FramedRecord {
  /** Source offset, or -1 when unknown. */
  readonly offset: number;
  /** Epoch millis, or -1 when unknown. */
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Headers in order; a repeated name appears several times. */
  readonly headers: ReadonlyArray<readonly [string, Buffer]>;
}

const FRAMED_MAGIC = Buffer.from("SKR1", "latin1");

/**
 * Encodes records as: "SKR1", then per record (integers big-endian):
 * i64 offset, i64 timestamp, i32 key length (-1 = null), key, i32 value length (-1 = null),
 * value, u16 header count, and per header u16 name length, UTF-8 name, i32 value length, value.
 */
export function encodeFramed(records: readonly FramedRecord[]): Buffer {
  let size = FRAMED_MAGIC.length;
  for (const r of records) {
    size += 8 + 8 + 4 + (r.key?.length ?? 0) + 4 + (r.value?.length ?? 0) + 2;
    for (const [name, v] of r.headers) size += 2 + Buffer.byteLength(name, "utf8") + 4 + v.length;
  }
  const out = Buffer.allocUnsafe(size);
  let o = FRAMED_MAGIC.copy(out, 0);
  for (const r of records) {
    o = out.writeBigInt64BE(BigInt(r.offset), o);
    o = out.writeBigInt64BE(BigInt(r.timestamp), o);
    o = writeBytes(out, o, r.key);
    o = writeBytes(out, o, r.value);
    if (r.headers.length > 0xffff) throw new Error("a record has more than 65535 headers");
    o = out.writeUInt16BE(r.headers.length, o);
    for (const [name, v] of r.headers) {
      const n = out.write(name, o + 2, "utf8");
      if (n > 0xffff) throw new Error("a header name is longer than 65535 bytes");
      out.writeUInt16BE(n, o);
      o += 2 + n;
      o = out.writeInt32BE(v.length, o);
      o += v.copy(out, o);
    }
  }
  return out;
}

function writeBytes(out: Buffer, o: number, b: Buffer | null): number {
  if (b === null) return out.writeInt32BE(-1, o);
  o = out.writeInt32BE(b.length, o);
  return o + b.copy(out, o);
}

/** True when content starts like a framed batch. */
export function isFramed(content: Buffer): boolean {
  return content.length >= FRAMED_MAGIC.length && content.subarray(0, FRAMED_MAGIC.length).equals(FRAMED_MAGIC);
}

/** Decodes {@link encodeFramed}'s format; keys, values and header values share `content`'s memory. Throws on malformed input. */
export function decodeFramed(content: Buffer): FramedRecord[] {
  if (!isFramed(content)) throw new Error(`content is not a framed Kafka record batch (${FRAMED_MIME_TYPE})`);
  const out: FramedRecord[] = [];
  let o = FRAMED_MAGIC.length;
  const need = (n: number): void => {
    if (o + n > content.length) throw new Error(`framed Kafka record batch is truncated at byte ${o}`);
  };
  const bytes = (): Buffer | null => {
    need(4);
    const len = content.readInt32BE(o);
    o += 4;
    if (len === -1) return null;
    if (len < 0) throw new Error(`framed Kafka record batch has a negative length at byte ${o - 4}`);
    need(len);
    const b = content.subarray(o, o + len);
    o += len;
    return b;
  };
  while (o < content.length) {
    need(16);
    const offset = Number(content.readBigInt64BE(o));
    const timestamp = Number(content.readBigInt64BE(o + 8));
    o += 16;
    const key = bytes();
    const value = bytes();
    need(2);
    const n = content.readUInt16BE(o);
    o += 2;
    const headers: Array<readonly [string, Buffer]> = [];
    for (let i = 0; i < n; i++) {
      need(2);
      const nl = content.readUInt16BE(o);
      o += 2;
      need(nl);
      const name = content.toString("utf8", o, o + nl);
      o += nl;
      headers.push([name, bytes() ?? Buffer.alloc(0)]);
    }
    out.push({ offset, timestamp, key, value, headers });
  }
  return out;
}

/** kafkajs headers as an ordered list (arrays flattened, strings as UTF-8). */
export function headerList(headers: IHeaders | undefined): Array<readonly [string, Buffer]> {
  const out: Array<readonly [string, Buffer]> = [];
  if (!headers) return out;
  for (const name in headers) {
    const v = headers[name];
    if (v === undefined) continue;
    for (const x of Array.isArray(v) ? v : [v]) out.push([name, typeof x === "string" ? Buffer.from(x, "utf8") : x]);
  }
  return out;
}

/** An ordered header list as kafkajs headers (a repeated name becomes an array). */
export function headersFromList(list: ReadonlyArray<readonly [string, Buffer]>): IHeaders | undefined {
  if (list.length === 0) return undefined;
  const out: IHeaders = {};
  for (const [name, v] of list) {
    const prev = out[name];
    if (prev === undefined) out[name] = v;
    else if (Array.isArray(prev)) prev.push(v);
    else out[name] = [prev, v];
  }
  return out;
}
