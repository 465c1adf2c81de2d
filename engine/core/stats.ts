/**
 * Rolling 5-minute statistics for processors and connections, plus bulletins.
 * Counters live in 10-second buckets; reading sums the buckets still inside the window.
 */

const BUCKET_MS = 10_000;
const BUCKETS = 30;
export const WINDOW_MS = BUCKET_MS * BUCKETS;

export const PROCESSOR_FIELDS = ["in", "inBytes", "out", "outBytes", "read", "written", "tasks", "taskMs"] as const;
export const CONNECTION_FIELDS = ["in", "inBytes", "out", "outBytes"] as const;
export type ProcessorField = (typeof PROCESSOR_FIELDS)[number];
export type ConnectionField = (typeof CONNECTION_FIELDS)[number];

/** Sums of named counters over the last 5 minutes. */
export class RollingStats<F extends string> {
  private readonly buckets: Float64Array;
  private readonly stamps = new Float64Array(BUCKETS).fill(-1);
  private readonly index: Record<string, number> = {};

  constructor(private readonly fields: readonly F[]) {
    this.buckets = new Float64Array(BUCKETS * fields.length);
    fields.forEach((f, i) => (this.index[f] = i));
  }

  add(field: F, value: number, now: number): void {
    const slot = this.slot(now);
    this.buckets[slot * this.fields.length + (this.index[field] as number)] += value;
  }

  /** Adds several fields at once (one bucket lookup). */
  addMany(values: Partial<Record<F, number>>, now: number): void {
    const slot = this.slot(now);
    for (const k in values) {
      const v = values[k];
      if (v) this.buckets[slot * this.fields.length + (this.index[k] as number)] += v;
    }
  }

  snapshot(now: number): Record<F, number> {
    const out = {} as Record<F, number>;
    for (const f of this.fields) out[f] = 0;
    const current = Math.floor(now / BUCKET_MS);
    for (let b = 0; b < BUCKETS; b++) {
      const stamp = this.stamps[b] as number;
      if (stamp < 0 || current - stamp >= BUCKETS) continue;
      this.fields.forEach((f, i) => {
        out[f] += this.buckets[b * this.fields.length + i] as number;
      });
    }
    return out;
  }

  private slot(now: number): number {
    const bucket = Math.floor(now / BUCKET_MS);
    const slot = bucket % BUCKETS;
    if (this.stamps[slot] !== bucket) {
      this.stamps[slot] = bucket;
      this.buckets.fill(0, slot * this.fields.length, (slot + 1) * this.fields.length);
    }
    return slot;
  }
}

export type BulletinLevel = "info" | "warn" | "error";

export interface Bulletin {
  id: number;
  timestamp: number;
  level: BulletinLevel;
  componentId: string;
  componentName: string;
  message: string;
}

/** Keeps the most recent bulletins (NiFi keeps 5 minutes; we keep a bounded count). */
export class BulletinBoard {
  private readonly items: Bulletin[] = [];
  private nextId = 1;
  private readonly listeners = new Set<(b: Bulletin) => void>();

  constructor(private readonly max = 1000) {}

  add(level: BulletinLevel, componentId: string, componentName: string, message: string, now = Date.now()): Bulletin {
    const b: Bulletin = { id: this.nextId++, timestamp: now, level, componentId, componentName, message };
    this.items.push(b);
    if (this.items.length > this.max) this.items.splice(0, this.items.length - this.max);
    for (const l of this.listeners) l(b);
    return b;
  }

  /** Bulletins newer than `sinceId`, optionally for one component. */
  list(opts: { componentId?: string; sinceId?: number; limit?: number } = {}): Bulletin[] {
    const out = this.items.filter(
      (b) => (opts.componentId === undefined || b.componentId === opts.componentId) && b.id > (opts.sinceId ?? 0),
    );
    return opts.limit ? out.slice(-opts.limit) : out;
  }

  subscribe(listener: (b: Bulletin) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
