/**
 * The provenance log's record format: a compact binary encoding written by the main thread
 * (`EventEncoder`, the hot path) and read by the index worker (`scanRecord`, `decodeRecord`).
 *
 * Why binary and not JSON lines: on the target machine `JSON.stringify` of one event cost about
 * three times the CPU of this encoder and produced 2.5x the bytes; registering is on the
 * engine's critical path (~500k events/s), so the difference is the budget.
 *
 * A log file is a sequence of records `[u32le payloadLength][payload]`. Strings that repeat
 * (attribute names, component ids and types, relationships, queue ids, content resources) go
 * through a per-file dictionary: the first use writes the string with a "define" tag and gives
 * it the next id, later uses write the id. A reader therefore needs the file's dictionary, which
 * it builds by reading the file's records in order (the index worker persists it). Each log file
 * starts with an empty dictionary, so files are independent.
 *
 * Payload, in order (num = non-negative integer as varint(v + 1), or 0 then a float64):
 *   num eventId, u8 type (bits 0-5 the type, bits 6-7 flags, below), num timestamp,
 *   str flowFileUuid, num fileSize, num lineageStartDate,
 *   str componentId, str componentType, varint n + n str parentUuids, varint n + n str childUuids,
 *   map attributes, map previousAttributes, map updatedAttributes, claim previousClaim,
 *   claim currentClaim, str relationship, str details, str transitUri, str sourceQueueId
 * map = varint n (padded to two bytes), n x (str key, str value); claim = u8 0 | u8 1 str resource num offset num length.
 * Flags: FLAG_UPDATED_ALL (0x80): updatedAttributes is not written, it is every attribute (a
 * CREATE's or RECEIVE's); FLAG_SAME_CLAIM (0x40): currentClaim is not written, it is
 * previousClaim (every event that did not change the content). Records written before the flags
 * existed have neither bit set, so they read as before.
 * Group record (`encodeGroup`, a `ProvenanceEventGroup`): the type byte's bits 0-5 are GROUP_TYPE
 * (63, never an event type), its flags as above (FLAG_UPDATED_ALL: every member's
 * updatedAttributes is all its attributes, else none; FLAG_SAME_CLAIM: every member's claim
 * before the event is its claim after). Payload:
 *   num firstEventId, u8 type|flags, u8 member type, num count, num timestamp, str componentId,
 *   str componentType, str relationship, str details, str transitUri, str sourceQueueId,
 *   then count x (str flowFileUuid, num fileSize, num lineageStartDate, map attributes,
 *   claim currentClaim, [claim previousClaim unless FLAG_SAME_CLAIM]).
 * Member i is event firstEventId + i, with no parents, children or previousAttributes.
 * Group by reference (`encodeGroupReference`): bit 7 of the member type byte is set, and the
 * shared fields are followed by `num back, num from` instead of members: the members are
 * members [from, from + count) of the full group record that starts `back` bytes before this
 * record's start in the same file (uuid, size, lineage start, attributes and claim each; this
 * record's flags say the rest, and it always has FLAG_SAME_CLAIM). Why: a batch a node takes
 * back from a distributed connection it handed over itself (the FlowFiles did not leave it) has
 * RECEIVEs with the very FlowFiles of its SENDs; writing them again was ~8% of cluster-hop's
 * distributed rate. Readers are given a `RecordResolver` to read the referenced record.
 * str = varint header h; kind = h % 4:
 *   0 special: h/4 = 0 null, 1 "same as attributes[key]", 2 "same as flowFileUuid"
 *   1 dictionary reference, id = h/4;  2 literal of h/4 UTF-8 bytes;  3 literal that also defines
 *   the next dictionary id.
 */
import { writeAscii } from "../../core/ascii";
import {
  PROVENANCE_EVENT_TYPES,
  type ClaimRef,
  type ProvenanceEvent,
  type ProvenanceEventGroup,
  type ProvenanceEventInput,
  type ProvenanceEventType,
} from "../../core/provenance";

const KIND_SPECIAL = 0;
const KIND_REF = 1;
const KIND_LITERAL = 2;
const KIND_DEFINE = 3;
const SPECIAL_NULL = 0;
const SPECIAL_SAME_AS_ATTRIBUTE = 1;
const SPECIAL_SAME_AS_UUID = 2;
const FLAG_UPDATED_ALL = 0x80;
const FLAG_SAME_CLAIM = 0x40;
const TYPE_MASK = 0x3f;
/** The type bits of a group record (see the format above). */
const GROUP_TYPE = TYPE_MASK;
/** In a group record's member type byte: the members are another group record's (see the format). */
const MEMBERS_BY_REFERENCE = 0x80;
if (PROVENANCE_EVENT_TYPES.length > GROUP_TYPE) throw new Error("provenance event types no longer fit beside the record flags");

/** Strings longer than this are never put in the dictionary. */
const MAX_DICT_STRING = 256;
/** Dictionary entries per log file; later new strings are written literally. */
export const MAX_DICT_ENTRIES = 65_536;
/** Size of the record length prefix. */
export const RECORD_HEADER_BYTES = 4;
/** A record longer than this is treated as garbage when recovering a log tail. */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/** Null prototype, so a bogus type such as "toString" is not found. */
const TYPE_INDEX: Record<string, number | undefined> = Object.assign(
  Object.create(null) as Record<string, number | undefined>,
  Object.fromEntries(PROVENANCE_EVENT_TYPES.map((t, i) => [t, i])),
);

/**
 * Appends encoded events to one growable buffer. Not thread-safe; one per log writer.
 * `encode` throws a TypeError on invalid input after possibly writing part of a record; take a
 * `mark` before a batch and `rollback` to it on error to leave no trace.
 */
export class EventEncoder {
  private buf: Buffer;
  private pos = 0;
  private readonly dict = new Map<string, number>();
  private readonly dictList: string[] = [];
  /** Scratch for writing float64s byte by byte (cheaper than Buffer#writeDoubleLE per call). */
  private readonly float = new Float64Array(1);
  private readonly floatBytes = new Uint8Array(this.float.buffer);
  /**
   * The event whose subject fields (timestamp to attributes) are at
   * [lastSubjectStart, lastSubjectEnd) of the buffer, for `subject` to copy; null when there
   * is none (cleared with the bytes, on rollback and with the dictionary).
   */
  private lastSubject: ProvenanceEventInput | null = null;
  /** How many events had their subject copied from the event before (see `subject`); for tests. */
  subjectCopies = 0;
  private lastSubjectStart = 0;
  private lastSubjectEnd = 0;
  /** The last details and transit URI written literally (see `repeated`). */
  private lastDetails: string | null = null;
  private lastTransitUri: string | null = null;

  constructor(initialBytes = 1024 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes encoded since the last `clear`. */
  get length(): number {
    return this.pos;
  }

  /** The encoded bytes (a view, valid until the next `encode` or `clear`). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** Drops the encoded bytes; the dictionary stays (the next bytes go to the same file). */
  clear(): void {
    this.pos = 0;
    this.lastSubject = null;
    // A burst can grow the buffer a lot; do not keep a huge one for ever.
    if (this.buf.length > 16 * 1024 * 1024) this.buf = Buffer.allocUnsafe(1024 * 1024);
  }

  /** A position to `rollback` to (makes a batch of `encode` calls all-or-nothing). */
  mark(): EncoderMark {
    return { pos: this.pos, dictSize: this.dictList.length };
  }

  /** Forgets every record and dictionary entry encoded since `mark` was taken. */
  rollback(mark: EncoderMark): void {
    this.pos = mark.pos;
    this.lastSubject = null;
    while (this.dictList.length > mark.dictSize) this.dict.delete(this.dictList.pop()!);
  }

  /** Starts a new dictionary: call when the bytes start going to a new log file. */
  resetDictionary(): void {
    this.lastSubject = null;
    this.dict.clear();
    this.dictList.length = 0;
  }

  /**
   * Appends one record. On invalid input throws a TypeError; the caller rolls back to a `mark`
   * taken before (the partly written record and its dictionary entries are then forgotten).
   */
  encode(e: ProvenanceEventInput, eventId: number): void {
    const start = this.pos;
    this.reserve(64);
    this.pos += RECORD_HEADER_BYTES;
    this.num(eventId);
    const type = TYPE_INDEX[e.type];
    if (type === undefined) throw new TypeError(`unknown provenance event type ${String(e.type)}`);
    const attributes = e.attributes;
    const updatedAll = e.updatedAttributes === attributes;
    const sameClaim = sameClaimRef(e.previousClaim, e.currentClaim);
    this.buf[this.pos++] = type | (updatedAll ? FLAG_UPDATED_ALL : 0) | (sameClaim ? FLAG_SAME_CLAIM : 0);
    this.subject(e);
    this.map(e.previousAttributes, null);
    if (!updatedAll) this.map(e.updatedAttributes, attributes);
    this.claim(e.previousClaim);
    if (!sameClaim) this.claim(e.currentClaim);
    this.optionalSymbol(e.relationship);
    this.lastDetails = this.repeated(e.details, this.lastDetails);
    this.lastTransitUri = this.repeated(e.transitUri, this.lastTransitUri);
    this.optionalSymbol(e.sourceQueueId);
    this.buf.writeUInt32LE(this.pos - start - RECORD_HEADER_BYTES, start);
  }

  /**
   * Appends one group record: the events of `g`, ids `firstId` on (see the format above). On
   * invalid input (an unknown type, no members, a non-string value) throws a TypeError; the
   * caller rolls back as for `encode`.
   */
  encodeGroup(g: ProvenanceEventGroup, firstId: number): void {
    const members = g.flowFiles;
    const previous = g.previousClaims;
    if (previous !== null && previous.length !== members.length) throw new TypeError("previousClaims must have one entry per FlowFile");
    const start = this.groupHeader(g, firstId, 0);
    for (let i = 0; i < members.length; i++) {
      const m = members[i]!;
      const uuid = m.uuid;
      this.literal(uuid);
      this.num(m.size);
      this.num(m.lineageStartDate);
      this.attributes(m.attributes, uuid);
      this.claim(m.claim);
      if (previous !== null) this.claim(previous[i] ?? null);
    }
    this.buf.writeUInt32LE(this.pos - start - RECORD_HEADER_BYTES, start);
  }

  /**
   * Appends a group record whose members are members [from, from + count) of the full group
   * record that starts `back` bytes before this one in the same file (see the format). The
   * caller vouches that they are the same FlowFiles with the same uuid, size, lineage start,
   * attributes and claim; `g.previousClaims` must be null (the claim did not change).
   */
  encodeGroupReference(g: ProvenanceEventGroup, firstId: number, back: number, from: number): void {
    if (g.previousClaims !== null) throw new TypeError("a group by reference keeps its members' claims");
    if (!(back > 0) || !(from >= 0)) throw new TypeError("a group by reference needs an earlier record");
    const start = this.groupHeader(g, firstId, MEMBERS_BY_REFERENCE);
    this.reserve(20);
    this.num(back);
    this.num(from);
    this.buf.writeUInt32LE(this.pos - start - RECORD_HEADER_BYTES, start);
  }

  /** A group record's shared fields; returns where the record starts (its length is filled in last). */
  private groupHeader(g: ProvenanceEventGroup, firstId: number, memberTypeBits: number): number {
    const type = TYPE_INDEX[g.type];
    if (type === undefined) throw new TypeError(`unknown provenance event type ${String(g.type)}`);
    if (g.flowFiles.length === 0) throw new TypeError("a provenance event group needs at least one FlowFile");
    const start = this.pos;
    this.reserve(64);
    this.pos += RECORD_HEADER_BYTES;
    this.num(firstId);
    this.buf[this.pos++] = GROUP_TYPE | (g.created ? FLAG_UPDATED_ALL : 0) | (g.previousClaims === null ? FLAG_SAME_CLAIM : 0);
    this.buf[this.pos++] = type | memberTypeBits;
    this.num(g.flowFiles.length);
    this.num(g.timestamp);
    this.symbol(g.componentId);
    this.symbol(g.componentType);
    this.optionalSymbol(g.relationship);
    this.lastDetails = this.repeated(g.details, this.lastDetails);
    this.lastTransitUri = this.repeated(g.transitUri, this.lastTransitUri);
    this.optionalSymbol(g.sourceQueueId);
    return start;
  }

  /**
   * Writes the fields from timestamp to attributes. Why the copy: a FlowFile's next event in
   * the same session (a SEND after its CREATE, when it goes to a distributed connection) often
   * has all of them identical, the same attributes map included, and encoding them is most of
   * an event's cost (the uuid and attribute values are literals). The copy is the bytes the
   * encoding would give, so readers see no difference; it is only taken when the earlier
   * bytes defined no dictionary entry (a second definition would shift every later id).
   */
  private subject(e: ProvenanceEventInput): void {
    const s = this.lastSubject;
    if (
      s !== null &&
      e.attributes === s.attributes &&
      e.flowFileUuid === s.flowFileUuid &&
      e.timestamp === s.timestamp &&
      e.fileSize === s.fileSize &&
      e.lineageStartDate === s.lineageStartDate &&
      e.componentId === s.componentId &&
      e.componentType === s.componentType &&
      sameList(e.parentUuids, s.parentUuids) &&
      sameList(e.childUuids, s.childUuids)
    ) {
      this.subjectCopies++;
      const n = this.lastSubjectEnd - this.lastSubjectStart;
      this.reserve(n);
      // copyWithin, not Buffer#copy: that makes a view of the source range per call (garbage).
      this.buf.copyWithin(this.pos, this.lastSubjectStart, this.lastSubjectEnd);
      this.pos += n;
      return;
    }
    this.lastSubject = null;
    const start = this.pos;
    const dictBefore = this.dictList.length;
    this.num(e.timestamp);
    const uuid = e.flowFileUuid;
    this.literal(uuid);
    this.num(e.fileSize);
    this.num(e.lineageStartDate);
    this.symbol(e.componentId);
    this.symbol(e.componentType);
    this.list(e.parentUuids);
    this.list(e.childUuids);
    this.attributes(e.attributes, uuid);
    if (this.dictList.length === dictBefore) {
      this.lastSubject = e;
      this.lastSubjectStart = start;
      this.lastSubjectEnd = this.pos;
    }
  }

  /** A FlowFile's attribute map; a value equal to its uuid is a one-byte marker. */
  private attributes(attributes: Readonly<Record<string, string>>, uuid: string): void {
    const countAt = this.countPlaceholder();
    let n = 0;
    for (const key in attributes) {
      this.symbol(key);
      const value = attributes[key]!;
      if (value === uuid) this.special(SPECIAL_SAME_AS_UUID);
      else this.literal(value);
      n++;
    }
    this.fillCount(countAt, n);
  }

  private reserve(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + bytes) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  /** Writes a varint; the caller has reserved room (at most 8 bytes for a safe integer). */
  private varint(value: number): void {
    const buf = this.buf;
    let v = value;
    if (v < 0x80000000) {
      while (v >= 0x80) {
        buf[this.pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
    } else {
      while (v >= 0x80) {
        buf[this.pos++] = (v % 0x80) | 0x80;
        v = Math.floor(v / 0x80);
      }
    }
    buf[this.pos++] = v;
  }

  /**
   * Why a placeholder: counting a map's keys first would walk it twice. Two bytes hold a
   * padded varint up to 16383 entries; a bigger map (unheard of) is shifted into place.
   */
  private countPlaceholder(): number {
    this.reserve(2);
    const at = this.pos;
    this.pos += 2;
    return at;
  }

  private fillCount(at: number, n: number): void {
    if (n < 0x4000) {
      this.buf[at] = (n & 0x7f) | 0x80;
      this.buf[at + 1] = n >>> 7;
      return;
    }
    const body = Buffer.from(this.buf.subarray(at + 2, this.pos));
    this.pos = at;
    this.reserve(10 + body.length);
    this.varint(n);
    body.copy(this.buf, this.pos);
    this.pos += body.length;
  }

  private num(value: number): void {
    this.reserve(10);
    if ((value >>> 0) === value && value < 0xffffffff) {
      this.varint(value + 1);
    } else if (typeof value !== "number") {
      throw new TypeError(`expected a number, got ${typeof value}`);
    } else {
      // Timestamps and other large or non-integer numbers: a zero byte, then 8 bytes float64 LE.
      if (!LITTLE_ENDIAN) {
        this.buf[this.pos++] = 0;
        this.pos = this.buf.writeDoubleLE(value, this.pos);
        return;
      }
      const buf = this.buf;
      let p = this.pos;
      buf[p++] = 0;
      this.float[0] = value;
      const bytes = this.floatBytes;
      for (let i = 0; i < 8; i++) buf[p++] = bytes[i]!;
      this.pos = p;
    }
  }

  private special(code: number): void {
    this.reserve(1);
    this.buf[this.pos++] = code * 4 + KIND_SPECIAL;
  }

  private literal(s: string, kind: number = KIND_LITERAL): void {
    if (typeof s !== "string") throw new TypeError(`expected a string, got ${typeof s}`);
    const n = s.length;
    this.reserve(n * 3 + 10);
    if (n <= 64) {
      const start = this.pos;
      this.varint(n * 4 + kind);
      const end = writeAscii(this.buf, this.pos, s);
      if (end >= 0) {
        this.pos = end;
        return;
      }
      this.pos = start;
    }
    // Long or non-ASCII: let Node encode UTF-8 (the header then carries the byte length).
    const bytes = Buffer.byteLength(s, "utf8");
    this.varint(bytes * 4 + kind);
    this.pos += this.buf.write(s, this.pos, bytes, "utf8");
  }

  /** A string likely to repeat: dictionary reference after its first use in this file. */
  private symbol(s: string): void {
    const id = this.dict.get(s);
    if (id !== undefined) {
      this.reserve(5);
      this.varint(id * 4 + KIND_REF);
      return;
    }
    if (typeof s !== "string") throw new TypeError(`expected a string, got ${typeof s}`);
    if (s.length <= MAX_DICT_STRING && this.dictList.length < MAX_DICT_ENTRIES) {
      this.dict.set(s, this.dictList.length);
      this.dictList.push(s);
      this.literal(s, KIND_DEFINE);
    } else {
      this.literal(s);
    }
  }

  private optionalSymbol(s: string | null): void {
    if (s === null || s === undefined) this.special(SPECIAL_NULL);
    else this.symbol(s);
  }

  /**
   * Details and transit URIs are mostly one-offs, which would only crowd the dictionary, but a
   * hop to a distributed connection gives every FlowFile of a batch the same long two (SEND,
   * RECEIVE): a value equal to the previous event's goes to the dictionary, so a batch writes it
   * once. Returns the new "previous" value.
   */
  private repeated(s: string | null, previous: string | null): string | null {
    if (s === null || s === undefined) {
      this.special(SPECIAL_NULL);
      return previous;
    }
    if (s === previous || this.dict.has(s)) this.symbol(s);
    else this.literal(s);
    return s;
  }

  private list(items: readonly string[]): void {
    this.reserve(5);
    this.varint(items.length);
    for (let i = 0; i < items.length; i++) this.literal(items[i]!);
  }

  /**
   * A map of nullable values. With `current`, a value equal to `current[key]` is written as a
   * one-byte marker: updatedAttributes repeats values that are in `attributes` by definition.
   */
  private map(values: Record<string, string | null>, current: Record<string, string> | null): void {
    const countAt = this.countPlaceholder();
    let n = 0;
    for (const key in values) {
      this.symbol(key);
      const value = values[key];
      if (value === null || value === undefined) this.special(SPECIAL_NULL);
      else if (current !== null && current[key] === value) this.special(SPECIAL_SAME_AS_ATTRIBUTE);
      else this.literal(value);
      n++;
    }
    this.fillCount(countAt, n);
  }

  private claim(claim: ClaimRef | null): void {
    this.reserve(1);
    if (claim === null || claim === undefined) {
      this.buf[this.pos++] = 0;
      return;
    }
    this.buf[this.pos++] = 1;
    this.symbol(claim.resource);
    this.num(claim.offset);
    this.num(claim.length);
  }
}

/** The same claim, or both none (an event that did not change the content). */
export function sameClaimRef(a: ClaimRef | null, b: ClaimRef | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  return a.resource === b.resource && a.offset === b.offset && a.length === b.length;
}

/** See `EventEncoder.mark`. */
export interface EncoderMark {
  readonly pos: number;
  readonly dictSize: number;
}

/** What the index needs from a record, without materializing the rest. */
export interface ScannedRecord {
  eventId: number;
  type: number;
  timestamp: number;
  flowFileUuid: string;
  componentId: string;
  parentUuids: string[];
  childUuids: string[];
  /** Values of the attributes named in `indexed`, by position in that list (undefined when absent). */
  indexedValues: Array<string | undefined>;
}

/** Thrown by the decoders for bytes that are not a valid record (e.g. a torn write). */
export class CorruptRecordError extends Error {
  override name = "CorruptRecordError";
}

/**
 * Sequential reader over one record's payload. `dict` is the file's dictionary. With `grow`,
 * every "define" string met is appended to it, so records must be read in file order (the
 * indexer's first pass). Without, `dict` is only read: the record was indexed before, and its
 * definitions are in the dictionary already.
 */
class RecordReader {
  pos: number;
  /** The special code of the last `str()` that returned null. */
  lastSpecial = SPECIAL_NULL;

  constructor(
    private readonly buf: Buffer,
    start: number,
    private readonly end: number,
    private readonly dict: string[],
    private readonly grow = true,
  ) {
    this.pos = start;
  }

  byte(): number {
    if (this.pos >= this.end) throw new CorruptRecordError("record ends early");
    return this.buf[this.pos++]!;
  }

  varint(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 0x80;
      if (scale > 2 ** 56) throw new CorruptRecordError("varint too long");
    }
  }

  num(): number {
    const v = this.varint();
    if (v > 0) return v - 1;
    if (this.pos + 8 > this.end) throw new CorruptRecordError("record ends early");
    const value = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return value;
  }

  /**
   * Reads a string. Returns the string, or `null` for null, or `SAME_AS_*` sentinels via
   * `special`. With `skip`, literals are stepped over and returned as "" (defines are always read).
   */
  str(skip = false): string | null {
    const h = this.varint();
    const kind = h % 4;
    const value = (h - kind) / 4;
    switch (kind) {
      case KIND_SPECIAL:
        this.lastSpecial = value;
        return null;
      case KIND_REF: {
        const s = this.dict[value];
        if (s === undefined) throw new CorruptRecordError(`unknown dictionary id ${value}`);
        return s;
      }
      default: {
        const end = this.pos + value;
        if (end > this.end) throw new CorruptRecordError("string runs past the record");
        const s = skip && kind === KIND_LITERAL ? "" : this.buf.toString("utf8", this.pos, end);
        this.pos = end;
        if (kind === KIND_DEFINE && this.grow) this.dict.push(s);
        return s;
      }
    }
  }

  requiredStr(): string {
    const s = this.str();
    if (s === null) throw new CorruptRecordError("missing string");
    return s;
  }

  strings(): string[] {
    const n = this.varint();
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.requiredStr());
    return out;
  }

  claim(skip = false): ClaimRef | null {
    const present = this.byte();
    if (present === 0) return null;
    const resource = this.str(skip);
    const offset = this.num();
    const length = this.num();
    return { resource: resource ?? "", offset, length };
  }
}

/** No parents or children (a group's members); never changed. */
const NO_UUIDS: string[] = [];

/**
 * Finds the record that starts `back` bytes before the start of the record being read, in the
 * same file: the buffer holding its payload and the payload's bounds, or null when it cannot
 * be read. Only group records by reference need one.
 */
export type RecordResolver = (back: number) => { buf: Buffer; start: number; end: number } | null;

/**
 * Where a group's members are read: the record itself after its header, or, for a group by
 * reference, the referenced record at its member `from`. `layout` is the type byte of the
 * record the members are in (its FLAG_SAME_CLAIM says whether a previous claim follows each).
 */
interface MemberSource {
  r: RecordReader;
  layout: number;
}

/**
 * After a group's header: where its members are. For a group by reference, reads `back` and
 * `from`, checks that the referenced record is a full group holding them, and steps to the
 * first; its dictionary strings are in `dict` already (an earlier record of the file).
 */
function memberSource(r: RecordReader, firstId: number, typeByte: number, group: GroupHeader, dict: string[], resolve: RecordResolver | undefined): MemberSource {
  if (!group.byReference) return { r, layout: typeByte };
  if (!(typeByte & FLAG_SAME_CLAIM)) throw new CorruptRecordError("a group by reference without its claim flag");
  const back = r.num();
  const from = r.num();
  const at = back > 0 && resolve !== undefined ? resolve(back) : null;
  if (at === null) throw new CorruptRecordError(`the members of group ${firstId} (${back} bytes back) cannot be read`);
  const m = new RecordReader(at.buf, at.start, at.end, dict, false);
  m.num();
  const layout = m.byte();
  if ((layout & TYPE_MASK) !== GROUP_TYPE) throw new CorruptRecordError(`group ${firstId} refers to a record that is not a group`);
  const target = readGroupHeader(m, at.end);
  if (target.byReference) throw new CorruptRecordError(`group ${firstId} refers to another group by reference`);
  if (from + group.count > target.count) throw new CorruptRecordError(`group ${firstId} refers to members ${from}-${from + group.count - 1} of a group of ${target.count}`);
  for (let i = 0; i < from; i++) skipMember(m, layout);
  return { r: m, layout };
}

/**
 * Reads the index fields of every event of the record whose payload is `buf[start, end)`: one
 * for an event's record, one per member for a group's. `indexed` names the attributes whose
 * values are wanted.
 */
export function scanRecords(buf: Buffer, start: number, end: number, dict: string[], indexed: readonly string[], resolve?: RecordResolver): ScannedRecord[] {
  const r = new RecordReader(buf, start, end, dict);
  const firstId = r.num();
  const typeByte = r.byte();
  if ((typeByte & TYPE_MASK) !== GROUP_TYPE) return [scanEvent(r, firstId, typeByte, end, indexed)];
  const group = readGroupHeader(r, end);
  const { r: m, layout } = memberSource(r, firstId, typeByte, group, dict, resolve);
  const out: ScannedRecord[] = [];
  for (let i = 0; i < group.count; i++) {
    const flowFileUuid = m.requiredStr();
    m.num();
    m.num();
    const indexedValues = scanAttributes(m, indexed, flowFileUuid);
    m.claim(true);
    if (!(layout & FLAG_SAME_CLAIM)) m.claim(true);
    out.push({
      eventId: firstId + i,
      type: group.type,
      timestamp: group.timestamp,
      flowFileUuid,
      componentId: group.componentId,
      parentUuids: NO_UUIDS,
      childUuids: NO_UUIDS,
      indexedValues,
    });
  }
  if (r.pos !== end) throw new CorruptRecordError("record has trailing bytes");
  return out;
}

/** The values of the `indexed` attributes in the attribute map at the reader's position. */
function scanAttributes(r: RecordReader, indexed: readonly string[], flowFileUuid: string): Array<string | undefined> {
  const indexedValues = new Array<string | undefined>(indexed.length).fill(undefined);
  const n = r.varint();
  for (let i = 0; i < n; i++) {
    const key = r.requiredStr();
    const slot = indexed.indexOf(key);
    const value = r.str(slot < 0);
    if (slot >= 0) indexedValues[slot] = value ?? (r.lastSpecial === SPECIAL_SAME_AS_UUID ? flowFileUuid : undefined);
  }
  return indexedValues;
}

/** The shared fields of a group record, read after its type byte. */
interface GroupHeader {
  type: number;
  /** The members are another group record's (see the format). */
  byReference: boolean;
  count: number;
  timestamp: number;
  componentId: string;
  componentType: string;
  relationship: string | null;
  details: string | null;
  transitUri: string | null;
  sourceQueueId: string | null;
}

function readGroupHeader(r: RecordReader, end: number): GroupHeader {
  const typeBits = r.byte();
  const type = typeBits & ~MEMBERS_BY_REFERENCE;
  const byReference = (typeBits & MEMBERS_BY_REFERENCE) !== 0;
  if (type >= PROVENANCE_EVENT_TYPES.length) throw new CorruptRecordError(`bad event type ${type}`);
  const count = r.num();
  // A member takes at least 6 bytes: a count beyond that is garbage (and would allocate for it).
  // A group by reference is checked against the group it refers to (memberSource).
  if (count < 1 || (!byReference && count > end - r.pos)) throw new CorruptRecordError(`bad group size ${count}`);
  return {
    type,
    byReference,
    count,
    timestamp: r.num(),
    componentId: r.requiredStr(),
    componentType: r.requiredStr(),
    relationship: r.str(),
    details: r.str(),
    transitUri: r.str(),
    sourceQueueId: r.str(),
  };
}

/**
 * Reads the index fields of the event record whose payload is `buf[start, end)` (not a group's:
 * see `scanRecords`). `indexed` names the attributes whose values are wanted.
 */
export function scanRecord(buf: Buffer, start: number, end: number, dict: string[], indexed: readonly string[]): ScannedRecord {
  const r = new RecordReader(buf, start, end, dict);
  const eventId = r.num();
  return scanEvent(r, eventId, r.byte(), end, indexed);
}

/** `scanRecord` after its event id and type byte (a group's type is refused as a bad type). */
function scanEvent(r: RecordReader, eventId: number, typeByte: number, end: number, indexed: readonly string[]): ScannedRecord {
  const type = typeByte & TYPE_MASK;
  if (type >= PROVENANCE_EVENT_TYPES.length) throw new CorruptRecordError(`bad event type ${type}`);
  const timestamp = r.num();
  const flowFileUuid = r.requiredStr();
  r.num();
  r.num();
  const componentId = r.requiredStr();
  r.str();
  const parentUuids = r.strings();
  const childUuids = r.strings();
  const indexedValues = scanAttributes(r, indexed, flowFileUuid);
  for (let m = typeByte & FLAG_UPDATED_ALL ? 1 : 0; m < 2; m++) {
    const count = r.varint();
    for (let i = 0; i < count; i++) {
      r.str();
      r.str(true);
    }
  }
  r.claim(true);
  if (!(typeByte & FLAG_SAME_CLAIM)) r.claim(true);
  r.str();
  r.str(true);
  r.str(true);
  r.str();
  if (r.pos !== end) throw new CorruptRecordError("record has trailing bytes");
  return { eventId, type, timestamp, flowFileUuid, componentId, parentUuids, childUuids, indexedValues };
}

/**
 * Decodes every event of the record whose payload is `buf[start, end)`, in id order: one for an
 * event's record, the members of a group's. `growDictionary` as for `decodeRecord`.
 */
export function decodeRecords(buf: Buffer, start: number, end: number, dict: string[], growDictionary = true, resolve?: RecordResolver): ProvenanceEvent[] {
  const r = new RecordReader(buf, start, end, dict, growDictionary);
  const firstId = r.num();
  const typeByte = r.byte();
  if ((typeByte & TYPE_MASK) !== GROUP_TYPE) return [decodeEvent(r, firstId, typeByte, end)];
  const group = readGroupHeader(r, end);
  const source = memberSource(r, firstId, typeByte, group, dict, resolve);
  const out: ProvenanceEvent[] = [];
  for (let i = 0; i < group.count; i++) out.push(readMember(source, typeByte, group, firstId + i));
  if (r.pos !== end) throw new CorruptRecordError("record has trailing bytes");
  return out;
}

/** A group's member event at the reader's position (after the header or the member before). */
function readMember({ r, layout }: MemberSource, typeByte: number, group: GroupHeader, eventId: number): ProvenanceEvent {
  const flowFileUuid = r.requiredStr();
  const fileSize = r.num();
  const lineageStartDate = r.num();
  const attributes = readAttributes(r, flowFileUuid);
  const currentClaim = r.claim();
  const storedPrevious = layout & FLAG_SAME_CLAIM ? null : r.claim();
  const previousClaim = typeByte & FLAG_SAME_CLAIM ? currentClaim && { ...currentClaim } : storedPrevious;
  return {
    eventId,
    type: PROVENANCE_EVENT_TYPES[group.type]!,
    timestamp: group.timestamp,
    flowFileUuid,
    fileSize,
    lineageStartDate,
    componentId: group.componentId,
    componentType: group.componentType,
    parentUuids: [],
    childUuids: [],
    previousAttributes: {},
    updatedAttributes: typeByte & FLAG_UPDATED_ALL ? { ...attributes } : {},
    attributes,
    previousClaim,
    currentClaim,
    relationship: group.relationship,
    details: group.details,
    transitUri: group.transitUri,
    sourceQueueId: group.sourceQueueId,
  };
}

function readAttributes(r: RecordReader, flowFileUuid: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  const n = r.varint();
  for (let i = 0; i < n; i++) {
    const key = r.requiredStr();
    const value = r.str();
    attributes[key] = value ?? flowFileUuid;
  }
  return attributes;
}

/** Steps over a group's member at the reader's position (a query wants a later one). */
function skipMember(r: RecordReader, typeByte: number): void {
  r.str(true);
  r.num();
  r.num();
  const n = r.varint();
  for (let i = 0; i < n; i++) {
    r.str();
    r.str(true);
  }
  r.claim(true);
  if (!(typeByte & FLAG_SAME_CLAIM)) r.claim(true);
}

/**
 * Decodes the full event whose payload is `buf[start, end)`; for a group's record, its member
 * `eventId` (a CorruptRecordError when the group does not hold it). `growDictionary`: false
 * when the record was read before in file order (a query), so that the file's dictionary, which
 * the indexer may still be extending, is not touched.
 */
export function decodeRecord(
  buf: Buffer,
  start: number,
  end: number,
  dict: string[],
  growDictionary = true,
  eventId?: number,
  resolve?: RecordResolver,
): ProvenanceEvent {
  const r = new RecordReader(buf, start, end, dict, growDictionary);
  const firstId = r.num();
  const typeByte = r.byte();
  if ((typeByte & TYPE_MASK) === GROUP_TYPE) {
    const group = readGroupHeader(r, end);
    const index = (eventId ?? firstId) - firstId;
    if (!(index >= 0 && index < group.count)) throw new CorruptRecordError(`group ${firstId} does not hold event ${String(eventId)}`);
    const source = memberSource(r, firstId, typeByte, group, dict, resolve);
    for (let i = 0; i < index; i++) skipMember(source.r, source.layout);
    return readMember(source, typeByte, group, eventId ?? firstId);
  }
  return decodeEvent(r, firstId, typeByte, end);
}

function decodeEvent(r: RecordReader, eventId: number, typeByte: number, end: number): ProvenanceEvent {
  const type = PROVENANCE_EVENT_TYPES[typeByte & TYPE_MASK];
  if (type === undefined) throw new CorruptRecordError("bad event type");
  const timestamp = r.num();
  const flowFileUuid = r.requiredStr();
  const fileSize = r.num();
  const lineageStartDate = r.num();
  const componentId = r.requiredStr();
  const componentType = r.requiredStr();
  const parentUuids = r.strings();
  const childUuids = r.strings();
  const attributes = readAttributes(r, flowFileUuid);
  const readMap = (): Record<string, string | null> => {
    const out: Record<string, string | null> = {};
    const count = r.varint();
    for (let i = 0; i < count; i++) {
      const key = r.requiredStr();
      const value = r.str();
      out[key] = value ?? (r.lastSpecial === SPECIAL_SAME_AS_ATTRIBUTE ? (attributes[key] ?? null) : null);
    }
    return out;
  };
  const previousAttributes = readMap();
  const updatedAttributes = typeByte & FLAG_UPDATED_ALL ? { ...attributes } : readMap();
  const previousClaim = r.claim();
  const currentClaim = typeByte & FLAG_SAME_CLAIM ? previousClaim && { ...previousClaim } : r.claim();
  const relationship = r.str();
  const details = r.str();
  const transitUri = r.str();
  const sourceQueueId = r.str();
  if (r.pos !== end) throw new CorruptRecordError("record has trailing bytes");
  return {
    eventId,
    type: type satisfies ProvenanceEventType,
    timestamp,
    flowFileUuid,
    fileSize,
    lineageStartDate,
    componentId,
    componentType,
    parentUuids,
    childUuids,
    previousAttributes,
    updatedAttributes,
    attributes,
    previousClaim,
    currentClaim,
    relationship,
    details,
    transitUri,
    sourceQueueId,
  };
}

/**
 * The ids a record holds, from its first bytes only (log recovery): `first`, and `count` (1, or a
 * group's size).
 */
export function recordEventIds(buf: Buffer, start: number, end: number): { first: number; count: number } {
  const r = new RecordReader(buf, start, end, []);
  const first = r.num();
  const typeByte = r.byte();
  if ((typeByte & TYPE_MASK) !== GROUP_TYPE) return { first, count: 1 };
  r.byte();
  const count = r.num();
  if (count < 1) throw new CorruptRecordError(`bad group size ${count}`);
  return { first, count };
}

/**
 * 31-bit FNV-1a hash of a string. The index stores hashes instead of text keys: small integer
 * B-tree keys (4 bytes) keep the index compact and fast, and every query re-checks the decoded
 * event, so a collision costs a wasted read, never a wrong answer.
 */
export function hash31(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 1;
}

/** The same list: one array, or two empty ones (a session may give each event an empty list of its own). */
function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a === b || (a.length === 0 && b.length === 0);
}
