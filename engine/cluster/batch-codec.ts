/**
 * The bytes of a distributed connection's batch (format 3): what a node writes to Redis when it
 * hands FlowFiles over, and reads back when it takes a batch from another node.
 *
 * Why not msgpack (format 2): in cluster-hop, msgpackr's pack cost a node more than twice this
 * encoder per FlowFile. A batch's FlowFiles share their attribute names, and each carries its
 * uuid twice (as the FlowFile's and as the `uuid` attribute); here a name is written once per
 * batch and the uuid attribute is a one-byte reference.
 *
 * Layout (integers are unsigned LEB128 varints; strings are a varint byte length + UTF-8):
 *   u8 3 (format) · varint count · count × FlowFile
 *   FlowFile: string uuid · f64le entryDate · f64le lineageStartDate · varint attribute count ·
 *     attributes · content
 *   attribute: varint ref, then
 *     ref 0: string name (added to the batch's name list), string value;
 *     ref 1: the `uuid` attribute, its value the FlowFile's uuid (nothing follows);
 *     ref n ≥ 2: the name list's entry n − 2, string value
 *   content: u8 kind, then kind 0: none · kind 1: varint length + the bytes ·
 *     kind 2: string path in the shared content store + varint length
 *
 * Contract: `encodeBatch` returns a view at the start of the buffer `alloc(size)` gave it (at
 * least `size` bytes; by default a `Buffer.allocUnsafeSlow`, an ArrayBuffer of its own rather
 * than Node's shared pool, so that it can be transferred to another thread; it may be a view of a
 * SharedArrayBuffer). `decodeBatch(encodeBatch(x))` gives x back (attribute order included; inline content
 * as views of the input, not copies). `decodeBatch` throws BatchFormatError on any input that is
 * not exactly one well-formed batch; it never reads outside its input.
 */
import { writeAscii } from "../core/ascii";

/** One FlowFile of a batch; content inline, in the shared store, or none. */
export interface BatchEntry {
  uuid: string;
  attributes: Record<string, string>;
  entryDate: number;
  lineageStartDate: number;
  content: Buffer | { f: string; l: number } | null;
}

/**
 * What `encodeBatch` takes: a BatchEntry, or one whose `content` is absent and read from
 * `claim` (with `encodeBatch`'s `read`) as it is written.
 */
export interface EncodableEntry<C extends { readonly length: number }> {
  readonly uuid: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly entryDate: number;
  readonly lineageStartDate: number;
  readonly content?: BatchEntry["content"];
  readonly claim?: C | null;
}

export class BatchFormatError extends Error {
  override name = "BatchFormatError";
}

export const BATCH_FORMAT = 3;

/** Bytes `s` can take in UTF-8, at most (3 per UTF-16 unit), plus its length varint. */
function strBound(s: string): number {
  return s.length * 3 + 5;
}

export function encodeBatch<C extends { readonly length: number }>(
  entries: ReadonlyArray<EncodableEntry<C>>,
  alloc: (size: number) => Buffer = (size) => Buffer.allocUnsafeSlow(size),
  read: (claim: C) => Buffer = noReader,
): Buffer {
  // First with an estimate that walks no attributes (contents, uuids, and room for small
  // attributes); a batch that does not fit is written again into its exact bound. Why: the
  // exact bound walks every FlowFile's attributes once more (3-4% of the encoder's time).
  let estimate = 6;
  for (const e of entries) {
    estimate += strBound(e.uuid) + 27 + ESTIMATED_ATTRIBUTE_BYTES;
    const c = e.content;
    if (c === undefined) estimate += e.claim?.length ?? 0;
    else if (Buffer.isBuffer(c)) estimate += c.length;
    else if (c) estimate += strBound(c.f) + 5;
  }
  const first = write(entries, alloc(estimate), read);
  if (first !== null) return first;
  let size = 6;
  for (const e of entries) {
    size += strBound(e.uuid) + 16 + 5 + 6;
    for (const k in e.attributes) size += strBound(k) + strBound(e.attributes[k]!) + 5;
    const c = e.content;
    if (c === undefined) size += e.claim?.length ?? 0;
    else if (Buffer.isBuffer(c)) size += c.length;
    else if (c) size += strBound(c.f) + 5;
  }
  const exact = write(entries, alloc(size), read);
  if (exact === null) throw new Error("batch encoding overran its bound");
  return exact;
}

/** Attribute bytes a FlowFile may take before the estimate of `encodeBatch` falls short. */
const ESTIMATED_ATTRIBUTE_BYTES = 256;

function noReader(): Buffer {
  throw new Error("encodeBatch: an entry without content needs a reader for its claim");
}

/** Attribute counts up to this are written as a two-byte padded varint, in place (see `write`). */
const PADDED_COUNT_MAX = 0x3fff;

/**
 * The batch in `buf`, or null when it did not fit (nothing past `buf` is written). Two shortcuts,
 * together 5-8% of a batch's encoding in a microbenchmark (1,000 FlowFiles of 1 KB): a FlowFile's
 * attribute count goes in as a two-byte padded varint (0x80 | low 7 bits, then the rest: a
 * valid LEB128 that every reader of the format decodes) written after its attributes, so they are
 * walked once, not twice; and a name's reference is looked up in the batch's name list only when
 * it is not the name at the same position in the FlowFile before (the same string, in batches
 * of one source).
 */
function write<C extends { readonly length: number }>(entries: ReadonlyArray<EncodableEntry<C>>, buf: Buffer, read: (claim: C) => Buffer): Buffer | null {
  const w = new Writer(buf);
  w.u8(BATCH_FORMAT);
  w.varint(entries.length);
  const names = new Map<string, number>();
  const lastNames: string[] = [];
  const lastRefs: number[] = [];
  for (const e of entries) {
    w.str(e.uuid);
    w.f64(e.entryDate);
    w.f64(e.lineageStartDate);
    const attrs = e.attributes;
    const countAt = w.skip(2);
    let n = 0;
    for (const k in attrs) {
      const v = attrs[k]!;
      const at = n++;
      if (k === "uuid" && v === e.uuid) {
        w.varint(1);
        continue;
      }
      let ref = lastNames[at] === k ? lastRefs[at]! : names.get(k);
      if (ref === undefined) {
        ref = names.size;
        names.set(k, ref);
        w.varint(0);
        w.str(k);
      } else w.varint(ref + 2);
      lastNames[at] = k;
      lastRefs[at] = ref;
      w.str(v);
    }
    if (n > PADDED_COUNT_MAX) throw new BatchFormatError(`a FlowFile with ${n} attributes (at most ${PADDED_COUNT_MAX})`);
    w.paddedCount(countAt, n);
    let c = e.content;
    if (c === undefined) c = e.claim ? read(e.claim) : null;
    if (c === null) w.u8(0);
    else if (Buffer.isBuffer(c)) {
      w.u8(1);
      w.varint(c.length);
      w.bytes(c);
    } else {
      w.u8(2);
      w.str(c.f);
      w.varint(c.l);
    }
    if (w.overran) return null;
  }
  return w.done();
}

export function decodeBatch(buf: Buffer): BatchEntry[] {
  const r = new Reader(buf);
  if (r.u8() !== BATCH_FORMAT) throw new BatchFormatError(`not a format-${BATCH_FORMAT} batch`);
  const count = r.varint();
  // Each FlowFile takes at least 20 bytes: a count beyond that is a lie, not a reason to allocate.
  if (count > buf.length / 20) throw new BatchFormatError(`batch claims ${count} FlowFiles in ${buf.length} bytes`);
  const names: string[] = [];
  const out: BatchEntry[] = [];
  for (let i = 0; i < count; i++) {
    const uuid = r.str();
    const entryDate = r.f64();
    const lineageStartDate = r.f64();
    const n = r.varint();
    const attributes: Record<string, string> = {};
    for (let j = 0; j < n; j++) {
      const ref = r.varint();
      if (ref === 1) {
        attributes.uuid = uuid;
        continue;
      }
      let name: string;
      if (ref === 0) {
        name = r.str();
        names.push(name);
      } else {
        const known = names[ref - 2];
        if (known === undefined) throw new BatchFormatError(`attribute name reference ${ref} is not defined`);
        name = known;
      }
      const value = r.str();
      // A FlowFile may have an attribute named "__proto__"; an assignment would set the map's
      // prototype instead of adding it.
      if (name === "__proto__") Object.defineProperty(attributes, name, { value, enumerable: true, writable: true, configurable: true });
      else attributes[name] = value;
    }
    const kind = r.u8();
    let content: BatchEntry["content"];
    if (kind === 0) content = null;
    else if (kind === 1) content = r.bytes(r.varint());
    else if (kind === 2) content = { f: r.str(), l: r.varint() };
    else throw new BatchFormatError(`unknown content kind ${kind}`);
    out.push({ uuid, attributes, entryDate, lineageStartDate, content });
  }
  if (!r.atEnd()) throw new BatchFormatError("bytes after the last FlowFile");
  return out;
}

/**
 * Writes into a buffer that may be too small: past its end nothing is written (typed array
 * stores there are ignored; the native writes are skipped), only the position moves on, and
 * `overran` says so.
 */
class Writer {
  private readonly buf: Buffer;
  private readonly view: DataView;
  private readonly shared: boolean;
  private pos = 0;
  constructor(buf: Buffer) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    this.shared = buf.buffer instanceof SharedArrayBuffer;
  }
  get overran(): boolean {
    return this.pos > this.buf.length;
  }
  u8(v: number): void {
    this.buf[this.pos++] = v;
  }
  /** Moves on `n` bytes (filled later); returns where they start. */
  skip(n: number): number {
    const at = this.pos;
    this.pos += n;
    return at;
  }
  /** A count up to PADDED_COUNT_MAX as a two-byte varint at `at` (see `write`). */
  paddedCount(at: number, n: number): void {
    this.buf[at] = (n & 0x7f) | 0x80;
    this.buf[at + 1] = n >>> 7;
  }
  varint(value: number): void {
    let v = value;
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }
  /**
   * Why a DataView: Buffer#writeDoubleLE checks its arguments on every call, and a byte loop
   * from a scratch Float64Array took ~15 ns a number against ~2 (a batch writes two a FlowFile).
   */
  f64(v: number): void {
    if (this.pos + 8 <= this.buf.length) this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }
  str(s: string): void {
    const n = s.length;
    // Short ASCII strings (names, uuids, most values): a length byte, then writeAscii (the
    // uuid-sized strings of a batch took half its encoding when checked and written apart).
    if (n < 64) {
      this.buf[this.pos] = n;
      const end = writeAscii(this.buf, this.pos + 1, s);
      if (end >= 0) {
        this.pos = end;
        return;
      }
    }
    const bytes = Buffer.byteLength(s, "utf8");
    this.varint(bytes);
    if (this.pos + bytes <= this.buf.length) this.buf.write(s, this.pos, bytes, "utf8");
    this.pos += bytes;
  }
  /**
   * Why fill into shared memory: Buffer#copy (and TypedArray#set) copy into a SharedArrayBuffer
   * with relaxed atomics, byte by byte when the two are not equally aligned: 1,000 copies of 1 KB
   * took 330-370 µs that way against 75-120 µs with fill, which copies with memcpy.
   */
  bytes(b: Buffer): void {
    const n = b.length;
    if (n === 0) return;
    if (this.pos + n <= this.buf.length) {
      if (this.shared) this.buf.fill(b, this.pos, this.pos + n);
      else b.copy(this.buf, this.pos);
    }
    this.pos += n;
  }
  done(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new BatchFormatError("batch ends early");
  }
  atEnd(): boolean {
    return this.pos === this.buf.length;
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  varint(): number {
    let v = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 0x80;
    }
    throw new BatchFormatError("varint too long");
  }
  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }
  str(): string {
    const n = this.varint();
    this.need(n);
    const s = this.buf.toString("utf8", this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}
