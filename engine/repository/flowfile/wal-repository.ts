/**
 * Write-ahead-log FlowFile repository.
 *
 * Layout under `dir`: `snapshot` (the last checkpoint; says which log generation follows it)
 * and `wal-<gen>.log` files. A log is a sequence of frames `[u32 length][payload]`; the payload's
 * first byte is the frame type. Recovery reads the snapshot, then every log of a generation at
 * or after the one it names, and stops at the first incomplete frame (a crash mid-write).
 */
import fs from "node:fs";
import path from "node:path";
import type { SwapSummary } from "../../queue/connection-queue";
import type { AttributeDelta, FlowFileRepository, QueueCheckpoint, RecoveredState } from "../../core/flowfile-repository";
import { FlowFileRecord } from "../../core/flowfile";
import { Reader, Writer, readClaim, readFlowFile, writeClaim, writeFlowFile } from "./codec";

const FRAME_COMMIT = 1;
const FRAME_SWAP_OUT = 2;
const FRAME_SWAP_IN = 3;
const OP_FULL = 1;
const OP_DELTA = 2;
const OP_DELETE = 3;
const OP_END = 0;
const SNAPSHOT_MAGIC = "SLUICE-FFREPO-1\n";

export interface WalOptions {
  dir: string;
  /** fdatasync at every flush (power-loss safety); kill -9 safety needs only the write. @default false */
  sync?: boolean;
  /** Checkpoint when the current log exceeds this many bytes. @default 64 MiB */
  checkpointBytes?: number;
  /** ...or when this much time has passed since the last checkpoint. @default 120 s */
  checkpointIntervalMs?: number;
}

export class WalFlowFileRepository implements FlowFileRepository {
  private readonly dir: string;
  private readonly sync: boolean;
  private readonly checkpointBytes: number;
  private readonly checkpointIntervalMs: number;
  private readonly w = new Writer(4 << 20);
  private frameStart = -1;
  private fd = -1;
  private gen = 0;
  private logBytes = 0;
  private lastCheckpoint = Date.now();

  constructor(opts: WalOptions) {
    this.dir = opts.dir;
    this.sync = opts.sync ?? false;
    this.checkpointBytes = opts.checkpointBytes ?? 64 << 20;
    this.checkpointIntervalMs = opts.checkpointIntervalMs ?? 120_000;
    fs.mkdirSync(this.dir, { recursive: true });
  }

  beginCommit(): void {
    this.frameStart = this.w.pos;
    this.w.u32(0);
    this.w.u8(FRAME_COMMIT);
  }

  upsert(queueId: string, ff: FlowFileRecord, delta: AttributeDelta | null | undefined): void {
    const w = this.w;
    if (delta === undefined) {
      w.u8(OP_FULL);
      w.str(queueId);
      writeFlowFile(w, ff);
      return;
    }
    w.u8(OP_DELTA);
    w.str(ff.uuid);
    w.str(queueId);
    w.f64(ff.penaltyExpiration);
    writeClaim(w, ff.claim);
    if (delta === null) {
      w.varint(0);
      return;
    }
    const keys = Object.keys(delta);
    w.varint(keys.length);
    for (const k of keys) {
      const v = delta[k];
      w.str(k);
      if (v === null || v === undefined) w.u8(0);
      else {
        w.u8(1);
        w.str(v);
      }
    }
  }

  delete(uuid: string): void {
    this.w.u8(OP_DELETE);
    this.w.str(uuid);
  }

  endCommit(): void {
    this.w.u8(OP_END);
    this.w.buf.writeUInt32LE(this.w.pos - this.frameStart - 4, this.frameStart);
    this.frameStart = -1;
  }

  abortCommit(): void {
    if (this.frameStart < 0) return;
    this.w.pos = this.frameStart;
    this.frameStart = -1;
  }

  swappedOut(queueId: string, summary: SwapSummary, flowFiles: readonly FlowFileRecord[]): void {
    const start = this.w.pos;
    this.w.u32(0);
    this.w.u8(FRAME_SWAP_OUT);
    this.writeSummary(queueId, summary);
    this.w.varint(flowFiles.length);
    for (const ff of flowFiles) this.w.str(ff.uuid);
    // Trailing (frames written before it existed end after the uuids): see SwapSummary.maxSeq.
    this.w.varint(summary.maxSeq ?? 0);
    this.w.buf.writeUInt32LE(this.w.pos - start - 4, start);
  }

  swappedIn(queueId: string, summary: SwapSummary, flowFiles: readonly FlowFileRecord[]): void {
    const start = this.w.pos;
    this.w.u32(0);
    this.w.u8(FRAME_SWAP_IN);
    this.writeSummary(queueId, summary);
    this.w.varint(flowFiles.length);
    for (const ff of flowFiles) writeFlowFile(this.w, ff);
    this.w.buf.writeUInt32LE(this.w.pos - start - 4, start);
  }

  flush(): void {
    if (this.w.pos === 0) return;
    if (this.frameStart >= 0) throw new Error("flush inside an open commit frame");
    if (this.fd < 0) this.openLog(this.gen);
    const buf = this.w.take();
    let off = 0;
    while (off < buf.length) off += fs.writeSync(this.fd, buf, off, buf.length - off);
    this.logBytes += buf.length;
    if (this.sync) fs.fdatasyncSync(this.fd);
  }

  needsCheckpoint(now: number): boolean {
    return this.logBytes >= this.checkpointBytes || (this.logBytes > 0 && now - this.lastCheckpoint >= this.checkpointIntervalMs);
  }

  checkpoint(queues: Iterable<QueueCheckpoint>, now: number): void {
    this.flush();
    const nextGen = this.gen + 1;
    const w = new Writer(1 << 20);
    w.buf.write(SNAPSHOT_MAGIC, 0, "latin1");
    w.pos = SNAPSHOT_MAGIC.length;
    w.u32(nextGen);
    for (const q of queues) {
      let start = -1;
      let n = 0;
      for (const ff of q.flowFiles) {
        if (start < 0) {
          start = w.pos;
          w.u32(0);
          w.u8(FRAME_COMMIT);
        }
        w.u8(OP_FULL);
        w.str(q.id);
        writeFlowFile(w, ff);
        if (++n % 1000 === 0) {
          w.u8(OP_END);
          w.buf.writeUInt32LE(w.pos - start - 4, start);
          start = -1;
        }
      }
      if (start >= 0) {
        w.u8(OP_END);
        w.buf.writeUInt32LE(w.pos - start - 4, start);
      }
      for (const s of q.swaps) {
        const fs0 = w.pos;
        w.u32(0);
        w.u8(FRAME_SWAP_OUT);
        w.str(q.id);
        w.str(s.location);
        w.varint(s.count);
        w.varint(s.bytes);
        w.varint(0);
        w.varint(s.maxSeq ?? 0);
        w.buf.writeUInt32LE(w.pos - fs0 - 4, fs0);
      }
    }
    const tmp = path.join(this.dir, "snapshot.tmp");
    const fd = fs.openSync(tmp, "w");
    const buf = w.take();
    let off = 0;
    while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    // Switch logs first: frames staged from now on belong after the snapshot.
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
    const oldGen = this.gen;
    this.gen = nextGen;
    this.logBytes = 0;
    fs.renameSync(tmp, path.join(this.dir, "snapshot"));
    // Deleting a large log blocks for a while in the kernel; the snapshot already supersedes
    // it (recovery ignores older generations), so delete in the background.
    for (const g of this.logGenerations()) if (g <= oldGen) fs.rm(this.logPath(g), { force: true }, () => {});
    this.lastCheckpoint = now;
  }

  recover(): RecoveredState {
    const live = new Map<string, { queue: string; ff: FlowFileRecord }>();
    const swaps = new Map<string, SwapSummary[]>();
    let firstGen = 0;
    const snap = path.join(this.dir, "snapshot");
    if (fs.existsSync(snap)) {
      const buf = fs.readFileSync(snap);
      if (buf.toString("latin1", 0, SNAPSHOT_MAGIC.length) !== SNAPSHOT_MAGIC) {
        throw new Error(`FlowFile repository snapshot ${snap} is not a Sluice snapshot`);
      }
      const r = new Reader(buf, SNAPSHOT_MAGIC.length);
      firstGen = r.u32();
      this.replay(buf, r.pos, live, swaps);
    }
    let lastGen = firstGen;
    for (const g of this.logGenerations()) {
      if (g < firstGen) {
        fs.rmSync(this.logPath(g), { force: true });
        continue;
      }
      const file = this.logPath(g);
      const buf = fs.readFileSync(file);
      const good = this.replay(buf, 0, live, swaps);
      // A torn last frame: cut it off so new frames do not follow garbage.
      if (good < buf.length) fs.truncateSync(file, good);
      lastGen = Math.max(lastGen, g);
    }
    // New frames go to a fresh generation; the recovered state is checkpointed by the caller.
    this.gen = lastGen + 1;
    const queues = new Map<string, FlowFileRecord[]>();
    let maxSeq = 0;
    for (const list of swaps.values()) for (const s of list) if ((s.maxSeq ?? 0) > maxSeq) maxSeq = s.maxSeq ?? 0;
    for (const { queue, ff } of live.values()) {
      let list = queues.get(queue);
      if (!list) queues.set(queue, (list = []));
      list.push(ff);
      if (ff.seq > maxSeq) maxSeq = ff.seq;
    }
    for (const list of queues.values()) list.sort((a, b) => a.seq - b.seq);
    return { queues, swaps, maxSeq };
  }

  close(): void {
    this.flush();
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }

  private writeSummary(queueId: string, s: SwapSummary): void {
    this.w.str(queueId);
    this.w.str(s.location);
    this.w.varint(s.count);
    this.w.varint(s.bytes);
  }

  /** Applies frames from `start`; returns the offset after the last complete frame. */
  private replay(
    buf: Buffer,
    start: number,
    live: Map<string, { queue: string; ff: FlowFileRecord }>,
    swaps: Map<string, SwapSummary[]>,
  ): number {
    let pos = start;
    while (pos + 4 <= buf.length) {
      const len = buf.readUInt32LE(pos);
      const end = pos + 4 + len;
      if (len === 0 || end > buf.length) break;
      const r = new Reader(buf, pos + 4, end);
      try {
        this.applyFrame(r, live, swaps);
      } catch (e) {
        if (e instanceof RangeError) break;
        throw e;
      }
      pos = end;
    }
    return pos;
  }

  private applyFrame(r: Reader, live: Map<string, { queue: string; ff: FlowFileRecord }>, swaps: Map<string, SwapSummary[]>): void {
    const type = r.u8();
    if (type === FRAME_COMMIT) {
      // Decode the whole frame before applying, so a corrupt frame changes nothing.
      const ops: Array<() => void> = [];
      for (;;) {
        const op = r.u8();
        if (op === OP_END) break;
        if (op === OP_FULL) {
          const queue = r.str();
          const ff = readFlowFile(r);
          ops.push(() => live.set(ff.uuid, { queue, ff }));
        } else if (op === OP_DELTA) {
          const uuid = r.str();
          const queue = r.str();
          const penalty = r.f64();
          const claim = readClaim(r);
          const n = r.varint();
          const changes: Array<[string, string | null]> = [];
          for (let i = 0; i < n; i++) {
            const k = r.str();
            changes.push([k, r.u8() === 1 ? r.str() : null]);
          }
          ops.push(() => {
            const prev = live.get(uuid);
            if (!prev) return;
            let attrs = prev.ff.attributes as Record<string, string>;
            if (changes.length) {
              attrs = { ...attrs };
              for (const [k, v] of changes) {
                if (v === null) delete attrs[k];
                else attrs[k] = v;
              }
            }
            const p = prev.ff;
            live.set(uuid, { queue, ff: new FlowFileRecord(uuid, attrs, claim, p.entryDate, p.lineageStartDate, penalty, p.seq) });
          });
        } else if (op === OP_DELETE) {
          const uuid = r.str();
          ops.push(() => live.delete(uuid));
        } else {
          throw new RangeError(`unknown op ${op}`);
        }
      }
      for (const op of ops) op();
      return;
    }
    if (type === FRAME_SWAP_OUT || type === FRAME_SWAP_IN) {
      const queue = r.str();
      const summary: SwapSummary = { location: r.str(), count: r.varint(), bytes: r.varint() };
      const n = r.varint();
      const list = swaps.get(queue) ?? [];
      if (type === FRAME_SWAP_OUT) {
        const uuids: string[] = [];
        for (let i = 0; i < n; i++) uuids.push(r.str());
        const maxSeq = r.remaining > 0 ? r.varint() : 0;
        for (const u of uuids) live.delete(u);
        list.push({ ...summary, maxSeq });
        swaps.set(queue, list);
      } else {
        const ffs: FlowFileRecord[] = [];
        for (let i = 0; i < n; i++) ffs.push(readFlowFile(r));
        swaps.set(
          queue,
          list.filter((s) => s.location !== summary.location),
        );
        for (const ff of ffs) live.set(ff.uuid, { queue, ff });
      }
      return;
    }
    throw new RangeError(`unknown frame type ${type}`);
  }

  private openLog(gen: number): void {
    this.fd = fs.openSync(this.logPath(gen), "a");
  }

  private logPath(gen: number): string {
    return path.join(this.dir, `wal-${String(gen).padStart(8, "0")}.log`);
  }

  private logGenerations(): number[] {
    return fs
      .readdirSync(this.dir)
      .map((f) => /^wal-(\d+)\.log$/.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
  }
}
