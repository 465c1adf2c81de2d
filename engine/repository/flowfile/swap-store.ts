/**
 * Swap files: a queue's overflow written to disk in batches, so memory stays flat however many
 * FlowFiles wait. Uses the FlowFile record codec.
 *
 * Deleting a swapped-in file is deferred until the FlowFile repository has durably recorded the
 * swap-in (`afterFlush`); deleting it earlier could lose FlowFiles in a crash.
 */
import fs from "node:fs";
import path from "node:path";
import type { FlowFileRecord } from "../../core/flowfile";
import type { SwapStore, SwapSummary } from "../../queue/connection-queue";
import { Reader, Writer, readFlowFile, writeFlowFile } from "./codec";

const MAGIC = "SLUICE-SWAP-1\n";

export class FileSwapStore implements SwapStore {
  private counter = 0;
  private pendingRemoval: string[] = [];

  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.counter = Date.now();
  }

  swapOut(queueId: string, flowFiles: readonly FlowFileRecord[]): SwapSummary {
    const w = new Writer(Math.max(1 << 16, flowFiles.length * 256));
    w.buf.write(MAGIC, 0, "latin1");
    w.pos = MAGIC.length;
    w.str(queueId);
    w.varint(flowFiles.length);
    let bytes = 0;
    let maxSeq = 0;
    for (const ff of flowFiles) {
      writeFlowFile(w, ff);
      bytes += ff.size;
      if (ff.seq > maxSeq) maxSeq = ff.seq;
    }
    const name = `${queueId.replace(/[^A-Za-z0-9_-]/g, "_")}-${++this.counter}.swap`;
    const location = path.join(this.dir, name);
    fs.writeFileSync(location, w.take());
    return { location, count: flowFiles.length, bytes, maxSeq };
  }

  swapIn(location: string): FlowFileRecord[] {
    const buf = fs.readFileSync(location);
    if (buf.toString("latin1", 0, MAGIC.length) !== MAGIC) throw new Error(`${location} is not a Sluice swap file`);
    const r = new Reader(buf, MAGIC.length);
    r.str();
    const n = r.varint();
    const out: FlowFileRecord[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = readFlowFile(r);
    return out;
  }

  remove(location: string): void {
    this.pendingRemoval.push(location);
  }

  /** Called after the FlowFile repository flush: swapped-in files are now safe to delete. */
  afterFlush(): void {
    if (this.pendingRemoval.length === 0) return;
    for (const f of this.pendingRemoval) fs.rmSync(f, { force: true });
    this.pendingRemoval = [];
  }

  /** Deletes swap files no queue refers to (left behind by a crash). */
  removeOrphans(inUse: ReadonlySet<string>): void {
    for (const f of fs.readdirSync(this.dir)) {
      const p = path.join(this.dir, f);
      if (f.endsWith(".swap") && !inUse.has(p)) fs.rmSync(p, { force: true });
    }
  }
}
