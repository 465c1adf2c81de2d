/**
 * The provenance log indexer. It normally runs in the index worker thread (index-worker.ts);
 * `FileProvenanceRepository` can also run it on its own thread (`indexThread: "main"`).
 *
 * It tails the log files the repository writes, up to the sizes reported after each flush,
 * and indexes the records into SQLite (`index.db`, WAL) in large transactions.
 * The index is sharded by log file: log `<firstId>.log` gets tables `ev_<firstId>` (event id →
 * offset and length, plus hashed keys for FlowFile uuid, component, type, time and the
 * configured attributes) and `ln_<firstId>` (parent/child links for lineage). Only the uuid,
 * component and attribute columns are indexed: a search by type or time alone walks a shard
 * newest first (shards outside a time range are skipped whole), and an index on each of those
 * two columns had made every insert about 40% dearer, on the thread that shares two cores with
 * the engine.
 * Why shards: one growing table with random-key indexes slowed from ~80k to ~15k inserts/s by
 * 3M events (every commit rewrote pages all over a large index); a shard stays small, and
 * retention drops a shard's tables instead of deleting millions of rows.
 * Queries are answered (by the caller, once `reached` says everything reported before them is
 * indexed) by reading and decoding the matching records from the logs, newest shard first.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { PROVENANCE_EVENT_TYPES, type LineageGraph, type ProvenanceEvent, type ProvenanceQuery } from "../../core/provenance";
import { CorruptRecordError, MAX_RECORD_BYTES, RECORD_HEADER_BYTES, decodeRecords, hash31, scanRecords, type RecordResolver, type ScannedRecord } from "./event-codec";
import { logFilePath } from "./log-files";
import { buildLineage, matchesQuery, searchLimit } from "./query";
import type { IndexRequest, IndexResult, IndexWorkerInit } from "./worker-protocol";

const SCHEMA_VERSION = "3";
/**
 * Rows per multi-row INSERT. Why: each statement call crosses into native code and re-enters
 * SQLite's VDBE; 64 rows per call cut the indexer's CPU per event by about a quarter.
 */
const ROWS_PER_INSERT = 64;
/** Records indexed per transaction (and per turn of the worker's event loop). */
const BATCH_EVENTS = 20_000;
const READ_CHUNK_BYTES = 4 * 1024 * 1024;
const MAX_CACHED_DICTS = 8;
const MAX_OPEN_FILES = 16;

interface EventRow {
  id: number;
  offset: number;
  length: number;
}

/** A shard's time range, for skipping shards a time-bounded search cannot match. */
interface Shard {
  file: number;
  minTs: number;
  maxTs: number;
  /** Rows in the shard (kept in memory; counted at start). */
  count: number;
}

/** Event rows of one shard waiting for a multi-row INSERT. */
interface PendingRows {
  /** Parameters per row. */
  width: number;
  /** Rows filled in `params`. */
  count: number;
  params: Array<number | null>;
}

/** Prepared statements of one shard. */
interface ShardStatements {
  insertEvent: Database.Statement;
  /** `insertEvent` for ROWS_PER_INSERT rows at once. */
  insertEvents: Database.Statement;
  insertLink: Database.Statement;
  byId: Database.Statement;
  byUuid: Database.Statement;
  related: Database.Statement;
}

/** A position in the logs: byte `size` of log file `file`. */
export interface LogPosition {
  file: number;
  size: number;
}

/** Indexes provenance logs into SQLite and answers queries from the index. Single-threaded. */
export class LogIndexer {
  private readonly db: Database.Database;
  private readonly indexed: string[];
  /** Known log files (first ids, ascending) and their complete sizes. */
  private readonly files: number[] = [];
  private readonly sizes = new Map<number, number>();
  /** Shards with tables, by file, ascending. */
  private readonly shards = new Map<number, Shard>();
  private readonly statements = new Map<number, ShardStatements>();
  private progressFile = -1;
  private progressOffset = 0;
  private indexedEvents = 0;
  /** Dictionaries by file; the one of the file being indexed grows as records are read. */
  private readonly dicts = new Map<number, string[]>();
  private readonly fds = new Map<number, number>();
  private readonly chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  /**
   * The events of the group record the current query read last. Why: a group's members share
   * one record, and a query reads rows in id order, so it meets a group's members one after the
   * other; reading and decoding the whole record for each (a batch of 1,000 RECEIVEs is
   * ~100 KB) would make a search through them quadratic.
   */
  private groupRead: { file: number; offset: number; events: ProvenanceEvent[] } | null = null;

  private readonly insertDict: Database.Statement;
  private readonly saveProgress: Database.Statement;
  private readonly saveShard: Database.Statement;

  constructor(
    private readonly init: IndexWorkerInit,
    private readonly warn: (message: string) => void,
  ) {
    this.indexed = [...init.indexedAttributes];
    this.db = new Database(path.join(init.logDir, "index.db"));
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("cache_size = -65536");
    this.db.pragma("temp_store = MEMORY");
    // Checkpoints (which fsync) every ~64 MB of WAL instead of 4 MB: indexing dirties many pages.
    this.db.pragma("wal_autocheckpoint = 16384");
    this.prepareSchema();
    this.insertDict = this.db.prepare("INSERT OR REPLACE INTO dict (file, id, str) VALUES (?, ?, ?)");
    this.saveProgress = this.db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('progress', ?)");
    this.saveShard = this.db.prepare("UPDATE shards SET min_ts = ?, max_ts = ? WHERE file = ?");
    for (const row of this.db.prepare("SELECT file, min_ts AS minTs, max_ts AS maxTs FROM shards ORDER BY file").all() as Shard[]) {
      this.shards.set(row.file, { ...row, count: 0 });
    }
    for (const file of init.files) {
      this.files.push(file.firstId);
      this.sizes.set(file.firstId, file.size);
    }
    this.recover();
  }

  written(file: number, size: number): void {
    if (!this.sizes.has(file)) {
      this.files.push(file);
      this.files.sort((a, b) => a - b);
    }
    this.sizes.set(file, size);
  }

  retain(minEventId: number): void {
    this.db.transaction(() => {
      for (const file of [...this.shards.keys()]) if (file < minEventId) this.dropShard(file);
      this.db.prepare("DELETE FROM dict WHERE file < ?").run(minEventId);
    })();
    while (this.files.length > 0 && this.files[0]! < minEventId) {
      const file = this.files.shift()!;
      this.sizes.delete(file);
      this.dicts.delete(file);
      const fd = this.fds.get(file);
      if (fd !== undefined) fs.closeSync(fd);
      this.fds.delete(file);
    }
    if (this.progressFile < minEventId) {
      this.progressFile = -1;
      this.progressOffset = 0;
    }
  }

  /** The end of what has been reported as written so far (a query waits until it is indexed). */
  target(): LogPosition {
    const file = this.files.at(-1) ?? -1;
    return { file, size: this.sizes.get(file) ?? 0 };
  }

  /** True when every record up to `target` is indexed (or its file no longer exists). */
  reached(target: LogPosition): boolean {
    if (!this.sizes.has(target.file)) return true;
    return this.progressFile > target.file || (this.progressFile === target.file && this.progressOffset >= target.size);
  }

  /** Indexes up to `BATCH_EVENTS` records; returns true when everything known is indexed. */
  indexSome(): boolean {
    let caughtUp = false;
    this.db.transaction(() => {
      let budget = BATCH_EVENTS;
      while (budget > 0) {
        const size = this.sizes.get(this.progressFile);
        if (size === undefined || this.progressOffset >= size) {
          const next = this.files.find((f) => f > this.progressFile);
          if (next === undefined) {
            caughtUp = true;
            break;
          }
          this.startFile(next);
          continue;
        }
        budget -= this.indexChunk(size, budget);
      }
      const shard = this.shards.get(this.progressFile);
      if (shard !== undefined) this.saveShard.run(shard.minTs, shard.maxTs, shard.file);
      this.saveProgress.run(`${this.progressFile}:${this.progressOffset}`);
    })();
    return caughtUp;
  }

  run(request: IndexRequest): IndexResult {
    // A query's results are its caller's: nothing decoded for one is handed to the next.
    this.groupRead = null;
    switch (request.op) {
      case "search":
        return { op: "search", events: this.search(request.query) };
      case "get":
        return { op: "get", event: this.getEvent(request.eventId) };
      case "lineage":
        return { op: "lineage", graph: this.lineage(request.flowFileUuid) };
      case "sync":
        return { op: "sync", indexedEvents: this.indexedEvents };
    }
  }

  close(): void {
    for (const fd of this.fds.values()) fs.closeSync(fd);
    this.fds.clear();
    this.db.close();
  }

  private prepareSchema(): void {
    const db = this.db;
    db.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    const meta = (key: string): string | undefined =>
      (db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined)?.value;
    const layout = JSON.stringify(this.indexed);
    if (meta("schema") !== SCHEMA_VERSION || meta("indexedAttributes") !== layout) {
      // A different layout (e.g. other indexed attributes): rebuild the index from the logs.
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'meta'").pluck().all() as string[];
      db.transaction(() => {
        for (const table of tables) db.exec(`DROP TABLE IF EXISTS "${table.replaceAll('"', '""')}"`);
        db.exec("DELETE FROM meta");
      })();
    }
    db.exec(`
      CREATE TABLE IF NOT EXISTS shards (file INTEGER PRIMARY KEY, min_ts REAL NOT NULL, max_ts REAL NOT NULL);
      CREATE TABLE IF NOT EXISTS dict (file INTEGER NOT NULL, id INTEGER NOT NULL, str TEXT NOT NULL, PRIMARY KEY (file, id)) WITHOUT ROWID;
    `);
    const set = db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
    set.run("schema", SCHEMA_VERSION);
    set.run("indexedAttributes", layout);
  }

  /** Reconciles the index with the recovered logs: drops shards and rows the logs no longer hold. */
  private recover(): void {
    const db = this.db;
    db.transaction(() => {
      for (const file of [...this.shards.keys()]) {
        if (!this.sizes.has(file)) this.dropShard(file);
      }
      db.prepare(`DELETE FROM dict WHERE file < ?`).run(this.files[0] ?? this.init.nextId);
      // Rows past the recovered end of the logs (a torn tail that the index had already seen).
      for (const file of this.shards.keys()) {
        db.prepare(`DELETE FROM ev_${file} WHERE id >= ?`).run(this.init.nextId);
        db.prepare(`DELETE FROM ln_${file} WHERE id >= ?`).run(this.init.nextId);
      }
    })();
    const saved = (db.prepare("SELECT value FROM meta WHERE key = 'progress'").get() as { value: string } | undefined)?.value;
    const [file, offset] = saved === undefined ? [-1, 0] : saved.split(":").map(Number);
    this.progressFile = file ?? -1;
    this.progressOffset = offset ?? 0;
    const size = this.sizes.get(this.progressFile);
    if (size === undefined || !this.shards.has(this.progressFile)) {
      // The saved file is gone (or was never started): index from the first file not indexed.
      const indexedFiles = [...this.shards.keys()];
      const lastIndexed = indexedFiles.at(-1);
      this.progressFile = lastIndexed ?? -1;
      this.progressOffset = lastIndexed === undefined ? 0 : this.endOfShard(lastIndexed);
    } else if (this.progressOffset > size) {
      // The log was cut below what had been indexed: continue after the last row kept.
      this.progressOffset = this.endOfShard(this.progressFile);
    }
    this.indexedEvents = 0;
    for (const shard of this.shards.values()) {
      shard.count = (db.prepare(`SELECT count(*) AS n FROM ev_${shard.file}`).get() as { n: number }).n;
      this.indexedEvents += shard.count;
    }
  }

  /** Byte offset just after the last indexed record of a shard. */
  private endOfShard(file: number): number {
    const last = this.db.prepare(`SELECT offset, length FROM ev_${file} ORDER BY id DESC LIMIT 1`).get() as EventRow | undefined;
    return last === undefined ? 0 : last.offset + RECORD_HEADER_BYTES + last.length;
  }

  private startFile(file: number): void {
    this.progressFile = file;
    this.progressOffset = 0;
    if (this.shards.has(file)) this.dropShard(file);
    const attrColumns = this.indexed.map((_, i) => `, a${i} INTEGER`).join("");
    this.db.exec(`
      CREATE TABLE ev_${file} (
        id INTEGER PRIMARY KEY, offset INTEGER NOT NULL, length INTEGER NOT NULL, ts REAL NOT NULL,
        type INTEGER NOT NULL, uuid INTEGER NOT NULL, component INTEGER NOT NULL${attrColumns});
      CREATE INDEX ev_${file}_uuid ON ev_${file} (uuid);
      CREATE INDEX ev_${file}_component ON ev_${file} (component);
      CREATE TABLE ln_${file} (id INTEGER NOT NULL, a INTEGER NOT NULL, a_uuid TEXT NOT NULL, b TEXT NOT NULL);
      CREATE INDEX ln_${file}_a ON ln_${file} (a);
    `);
    // Partial indexes: most events lack most indexed attributes, and those rows cost nothing.
    for (let i = 0; i < this.indexed.length; i++) {
      this.db.exec(`CREATE INDEX ev_${file}_a${i} ON ev_${file} (a${i}) WHERE a${i} IS NOT NULL`);
    }
    this.db.prepare("INSERT INTO shards (file, min_ts, max_ts) VALUES (?, ?, ?)").run(file, Infinity, -Infinity);
    this.shards.set(file, { file, minTs: Infinity, maxTs: -Infinity, count: 0 });
    this.db.prepare("DELETE FROM dict WHERE file = ?").run(file);
    this.dicts.set(file, []);
  }

  private dropShard(file: number): void {
    this.indexedEvents -= this.shards.get(file)?.count ?? 0;
    this.db.exec(`DROP TABLE IF EXISTS ev_${file}; DROP TABLE IF EXISTS ln_${file};`);
    this.db.prepare("DELETE FROM shards WHERE file = ?").run(file);
    this.db.prepare("DELETE FROM dict WHERE file = ?").run(file);
    this.shards.delete(file);
    this.statements.delete(file);
    this.dicts.delete(file);
  }

  private shardStatements(file: number): ShardStatements {
    let statements = this.statements.get(file);
    if (statements === undefined) {
      const attrColumns = this.indexed.map((_, i) => `, a${i}`).join("");
      const attrParams = this.indexed.map(() => ", ?").join("");
      const row = `(?, ?, ?, ?, ?, ?, ?${attrParams})`;
      statements = {
        // Not OR REPLACE: that made every insert about three times slower. A duplicate id can
        // only be the same record indexed again, so ignoring it is right.
        insertEvent: this.db.prepare(
          `INSERT OR IGNORE INTO ev_${file} (id, offset, length, ts, type, uuid, component${attrColumns}) VALUES ${row}`,
        ),
        insertEvents: this.db.prepare(
          `INSERT OR IGNORE INTO ev_${file} (id, offset, length, ts, type, uuid, component${attrColumns}) VALUES ${Array<string>(ROWS_PER_INSERT).fill(row).join(", ")}`,
        ),
        insertLink: this.db.prepare(`INSERT INTO ln_${file} (id, a, a_uuid, b) VALUES (?, ?, ?, ?)`),
        byId: this.db.prepare(`SELECT id, offset, length FROM ev_${file} WHERE id = ?`),
        byUuid: this.db.prepare(`SELECT id, offset, length FROM ev_${file} WHERE uuid = ?`),
        related: this.db.prepare(`SELECT DISTINCT b FROM ln_${file} WHERE a = ? AND a_uuid = ?`).pluck(),
      };
      this.statements.set(file, statements);
    }
    return statements;
  }

  /** Indexes whole records of the current file from the saved offset; returns how many. */
  private indexChunk(size: number, budget: number): number {
    const file = this.progressFile;
    let fd: number;
    try {
      fd = this.fd(file);
    } catch (error) {
      // Retention deleted the file before its "retain" message arrived: nothing left to index.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      this.progressOffset = size;
      return 1;
    }
    const dict = this.dict(file);
    const shard = this.shards.get(file)!;
    const statements = this.shardStatements(file);
    const want = Math.min(READ_CHUNK_BYTES, size - this.progressOffset);
    const n = readFully(fd, this.chunk, want, this.progressOffset);
    let buf = this.chunk;
    let pos = 0;
    let count = 0;
    const rows: PendingRows = { width: 7 + this.indexed.length, count: 0, params: [] };
    rows.params = new Array<number | null>(rows.width * ROWS_PER_INSERT).fill(null);
    try {
      while (count < budget && pos + RECORD_HEADER_BYTES <= n) {
        const length = buf.readUInt32LE(pos);
        if (pos + RECORD_HEADER_BYTES + length > n) {
          if (pos > 0) break;
          // A record bigger than the chunk.
          if (this.progressOffset + RECORD_HEADER_BYTES + length > size) break;
          buf = Buffer.allocUnsafe(RECORD_HEADER_BYTES + length);
          readFully(fd, buf, buf.length, this.progressOffset);
          if (!this.indexRecord(buf, 0, length, shard, statements, dict, rows)) return count;
          pos = buf.length;
          count++;
          break;
        }
        if (!this.indexRecord(buf, pos, length, shard, statements, dict, rows)) return count;
        pos += RECORD_HEADER_BYTES + length;
        count++;
      }
    } finally {
      this.insertRest(rows, shard, statements);
    }
    if (pos === 0 && count === 0) {
      this.skipRestOfFile(file, size, "an incomplete record inside the reported size");
      return 1;
    }
    this.progressOffset += pos;
    return count;
  }

  /**
   * Indexes one record (a row per event: a group's members share its offset and length); on a
   * corrupt record skips the rest of the file and returns false.
   */
  private indexRecord(
    buf: Buffer,
    pos: number,
    length: number,
    shard: Shard,
    statements: ShardStatements,
    dict: string[],
    rows: PendingRows,
  ): boolean {
    const dictBefore = dict.length;
    const start = pos + RECORD_HEADER_BYTES;
    // A group by reference points at an earlier record: in this buffer, or read from the file.
    const resolve = (back: number): ReturnType<RecordResolver> => {
      const at = pos - back;
      if (at < 0) {
        try {
          return readRecordAt(this.fd(shard.file), this.progressOffset + at);
        } catch {
          // The file went (retention): the record reads as corrupt, as would anything cut.
          return null;
        }
      }
      if (at + RECORD_HEADER_BYTES > buf.length) return null;
      const end = at + RECORD_HEADER_BYTES + buf.readUInt32LE(at);
      return end <= buf.length ? { buf, start: at + RECORD_HEADER_BYTES, end } : null;
    };
    let records;
    try {
      records = scanRecords(buf, start, start + length, dict, this.indexed, resolve);
    } catch (error) {
      if (!(error instanceof CorruptRecordError)) throw error;
      dict.length = dictBefore;
      this.skipRestOfFile(shard.file, this.sizes.get(shard.file) ?? 0, `a corrupt record at offset ${this.progressOffset + pos} (${error.message})`);
      return false;
    }
    for (let i = dictBefore; i < dict.length; i++) this.insertDict.run(shard.file, i, dict[i]);
    for (const record of records) this.indexEvent(record, this.progressOffset + pos, length, shard, statements, rows);
    return true;
  }

  private indexEvent(record: ScannedRecord, offset: number, length: number, shard: Shard, statements: ShardStatements, rows: PendingRows): void {
    const id = record.eventId;
    const ts = record.timestamp;
    const params = rows.params;
    const at = rows.count * rows.width;
    params[at] = id;
    params[at + 1] = offset;
    params[at + 2] = length;
    params[at + 3] = ts;
    params[at + 4] = record.type;
    params[at + 5] = hash31(record.flowFileUuid);
    params[at + 6] = hash31(record.componentId);
    for (let i = 0; i < this.indexed.length; i++) {
      const value = record.indexedValues[i];
      params[at + 7 + i] = value === undefined ? null : hash31(value);
    }
    if (++rows.count === ROWS_PER_INSERT) {
      this.countInserted(shard, statements.insertEvents.run(params).changes);
      rows.count = 0;
    }
    if (ts < shard.minTs) shard.minTs = ts;
    if (ts > shard.maxTs) shard.maxTs = ts;
    if (record.parentUuids.length > 0 || record.childUuids.length > 0) {
      const own = record.flowFileUuid;
      for (const other of [...record.parentUuids, ...record.childUuids]) {
        if (other === own) continue;
        statements.insertLink.run(id, hash31(own), own, other);
        statements.insertLink.run(id, hash31(other), other, own);
      }
    }
  }

  /** Inserts the rows that did not fill a multi-row INSERT, one by one. */
  private insertRest(rows: PendingRows, shard: Shard, statements: ShardStatements): void {
    for (let i = 0; i < rows.count; i++) {
      const row = rows.params.slice(i * rows.width, (i + 1) * rows.width);
      this.countInserted(shard, statements.insertEvent.run(row).changes);
    }
    rows.count = 0;
  }

  private countInserted(shard: Shard, changes: number): void {
    shard.count += changes;
    this.indexedEvents += changes;
  }

  private skipRestOfFile(file: number, size: number, why: string): void {
    this.warn(`provenance log ${logFilePath(this.init.logDir, file)}: skipped the rest of the file after ${why}`);
    this.progressOffset = size;
  }

  /** Shards newest first. */
  private shardsNewestFirst(): Shard[] {
    return [...this.shards.values()].reverse();
  }

  private getEvent(eventId: number): ProvenanceEvent | null {
    for (const shard of this.shardsNewestFirst()) {
      if (shard.file > eventId) continue;
      const row = this.shardStatements(shard.file).byId.get(eventId) as EventRow | undefined;
      return row === undefined ? null : this.readEvent(shard.file, row);
    }
    return null;
  }

  private search(query: ProvenanceQuery): ProvenanceEvent[] {
    const limit = searchLimit(query);
    if (limit === 0) return [];
    const where: string[] = [];
    const params: number[] = [];
    if (query.flowFileUuid !== undefined) {
      where.push("uuid = ?");
      params.push(hash31(query.flowFileUuid));
    }
    if (query.componentId !== undefined) {
      where.push("component = ?");
      params.push(hash31(query.componentId));
    }
    if (query.type !== undefined) {
      const type = PROVENANCE_EVENT_TYPES.indexOf(query.type);
      if (type < 0) return [];
      where.push("type = ?");
      params.push(type);
    }
    if (query.startTime !== undefined) {
      where.push("ts >= ?");
      params.push(query.startTime);
    }
    if (query.endTime !== undefined) {
      where.push("ts <= ?");
      params.push(query.endTime);
    }
    for (const [key, value] of Object.entries(query.attributes ?? {})) {
      const slot = this.indexed.indexOf(key);
      if (slot < 0) continue; // not indexed: checked on the decoded events below
      where.push(`a${slot} = ?`);
      params.push(hash31(value));
    }
    const condition = where.length ? ` WHERE ${where.join(" AND ")}` : "";
    const out: ProvenanceEvent[] = [];
    for (const shard of this.shardsNewestFirst()) {
      if (query.startTime !== undefined && shard.maxTs < query.startTime) continue;
      if (query.endTime !== undefined && shard.minTs > query.endTime) continue;
      const sql = `SELECT id, offset, length FROM ev_${shard.file}${condition} ORDER BY id DESC`;
      // Hash keys narrow the rows; the decoded event is checked exactly (collisions, unindexed attributes).
      for (const row of this.db.prepare(sql).iterate(...params) as IterableIterator<EventRow>) {
        const event = this.readEvent(shard.file, row);
        if (event !== null && matchesQuery(event, query)) {
          out.push(event);
          if (out.length >= limit) return out;
        }
      }
    }
    return out;
  }

  private lineage(flowFileUuid: string): LineageGraph {
    const shards = this.shardsNewestFirst();
    const reached = new Set<string>([flowFileUuid]);
    const queue = [flowFileUuid];
    const events: ProvenanceEvent[] = [];
    while (queue.length > 0) {
      const uuid = queue.shift()!;
      const key = hash31(uuid);
      for (const shard of shards) {
        const statements = this.shardStatements(shard.file);
        for (const other of statements.related.all(key, uuid) as string[]) {
          if (!reached.has(other)) {
            reached.add(other);
            queue.push(other);
          }
        }
        for (const row of statements.byUuid.all(key) as EventRow[]) {
          const event = this.readEvent(shard.file, row);
          if (event !== null && event.flowFileUuid === uuid) events.push(event);
        }
      }
    }
    return buildLineage(reached, events);
  }

  private readEvent(file: number, row: EventRow): ProvenanceEvent | null {
    let fd: number;
    try {
      fd = this.fd(file);
    } catch {
      return null;
    }
    const cached = this.groupRead;
    if (cached !== null && cached.file === file && cached.offset === row.offset) {
      return cached.events[row.id - cached.events[0]!.eventId] ?? null;
    }
    const buf = Buffer.allocUnsafe(RECORD_HEADER_BYTES + row.length);
    if (readFully(fd, buf, buf.length, row.offset) < buf.length) return null;
    // Indexed already: its definitions are in the dictionary, which must not grow here.
    const events = decodeRecords(buf, RECORD_HEADER_BYTES, buf.length, this.dict(file), false, (back) => readRecordAt(fd, row.offset - back));
    if (events.length === 1) return events[0]!;
    this.groupRead = { file, offset: row.offset, events };
    return events[row.id - events[0]!.eventId] ?? null;
  }

  private dict(file: number): string[] {
    let dict = this.dicts.get(file);
    if (dict === undefined) {
      dict = [];
      for (const row of this.db.prepare("SELECT id, str FROM dict WHERE file = ? ORDER BY id").iterate(file) as IterableIterator<{ id: number; str: string }>) {
        dict[row.id] = row.str;
      }
      if (this.dicts.size >= MAX_CACHED_DICTS) {
        for (const key of this.dicts.keys()) {
          if (key !== this.progressFile) {
            this.dicts.delete(key);
            break;
          }
        }
      }
      this.dicts.set(file, dict);
    }
    return dict;
  }

  private fd(file: number): number {
    let fd = this.fds.get(file);
    if (fd === undefined) {
      fd = fs.openSync(logFilePath(this.init.logDir, file), "r");
      if (this.fds.size >= MAX_OPEN_FILES) {
        const [oldFile, oldFd] = this.fds.entries().next().value as [number, number];
        fs.closeSync(oldFd);
        this.fds.delete(oldFile);
      }
      this.fds.set(file, fd);
    }
    return fd;
  }
}

/** The record whose length header is at `offset` of the file: its payload, or null when the file does not hold it whole. */
function readRecordAt(fd: number, offset: number): ReturnType<RecordResolver> {
  if (offset < 0) return null;
  const header = Buffer.allocUnsafe(RECORD_HEADER_BYTES);
  if (readFully(fd, header, RECORD_HEADER_BYTES, offset) < RECORD_HEADER_BYTES) return null;
  const length = header.readUInt32LE(0);
  if (length > MAX_RECORD_BYTES) return null;
  const buf = Buffer.allocUnsafe(length);
  if (readFully(fd, buf, length, offset + RECORD_HEADER_BYTES) < length) return null;
  return { buf, start: 0, end: length };
}

export function readFully(fd: number, buf: Buffer, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}
