/**
 * Rolling 5-minute statistics for processors and connections, their last hour per minute
 * (status history), plus bulletins. Counters live in 10-second buckets; reading sums the
 * buckets still inside the window.
 */

const BUCKET_MS = 10_000;
const BUCKETS = 30;
export const WINDOW_MS = BUCKET_MS * BUCKETS;

export const PROCESSOR_FIELDS = ["in", "inBytes", "out", "outBytes", "read", "written", "tasks", "taskMs"] as const;
export const CONNECTION_FIELDS = ["in", "inBytes", "out", "outBytes"] as const;
export type ProcessorField = (typeof PROCESSOR_FIELDS)[number];
export type ConnectionField = (typeof CONNECTION_FIELDS)[number];

/**
 * Sums of named counters over the last 5 minutes, plus the same counters per minute over the
 * last hour in `history` (status history). Both are fed by the same add calls.
 */
export class RollingStats<F extends string> {
  private readonly buckets: Float64Array;
  private readonly stamps = new Float64Array(BUCKETS).fill(-1);
  private readonly index: Record<string, number> = {};
  /** The last hour at 1-minute resolution; kept with the counters across live edits. */
  readonly history: MinuteHistory<F>;

  constructor(private readonly fields: readonly F[]) {
    this.buckets = new Float64Array(BUCKETS * fields.length);
    fields.forEach((f, i) => (this.index[f] = i));
    this.history = new MinuteHistory(fields);
  }

  add(field: F, value: number, now: number): void {
    const slot = this.slot(now);
    this.buckets[slot * this.fields.length + (this.index[field] as number)] += value;
    this.history.add(field, value, now);
  }

  /** Adds several fields at once (one bucket lookup). */
  addMany(values: Partial<Record<F, number>>, now: number): void {
    const slot = this.slot(now);
    for (const k in values) {
      const v = values[k];
      if (v) this.buckets[slot * this.fields.length + (this.index[k] as number)] += v;
    }
    this.history.addMany(values, now);
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

/** Resolution of the status history: one point per minute. */
export const HISTORY_SLOT_MS = 60_000;
/** Points kept: one hour (NiFi keeps 24 h at 5 min; an hour at 1 min is what an operator reads). */
export const HISTORY_SLOTS = 60;
/** Sampled values (not counters) every history point carries: what was queued. */
export const GAUGE_FIELDS = ["queued", "queuedBytes"] as const;
export type GaugeField = (typeof GAUGE_FIELDS)[number];

/** One minute of a component's history: `time` is the minute's start (epoch ms). */
export type HistoryPoint<F extends string> = { time: number } & Record<F | GaugeField, number>;

/**
 * A component's last HISTORY_SLOTS minutes in a bounded ring: counters summed per minute
 * (`add`), and gauges (`sample`: what is queued) as the last value sampled in the minute. A
 * minute's gauges start from the last sample before it, so a minute with traffic but no sample
 * yet does not read as an empty queue. Time comes in as `now` on every call (the caller's
 * clock), so tests drive it without timers.
 */
export class MinuteHistory<F extends string> {
  private readonly counters: Float64Array;
  private readonly gauges: Float64Array;
  private readonly stamps: Float64Array;
  private readonly index: Record<string, number> = {};
  private readonly last = new Float64Array(GAUGE_FIELDS.length);

  constructor(
    private readonly fields: readonly F[],
    private readonly slots = HISTORY_SLOTS,
    private readonly slotMs = HISTORY_SLOT_MS,
  ) {
    this.counters = new Float64Array(slots * fields.length);
    this.gauges = new Float64Array(slots * GAUGE_FIELDS.length);
    this.stamps = new Float64Array(slots).fill(-1);
    fields.forEach((f, i) => (this.index[f] = i));
  }

  add(field: F, value: number, now: number): void {
    this.counters[this.slot(now) * this.fields.length + (this.index[field] as number)] += value;
  }

  addMany(values: Partial<Record<F, number>>, now: number): void {
    const base = this.slot(now) * this.fields.length;
    for (const k in values) {
      const v = values[k];
      if (v) this.counters[base + (this.index[k] as number)] += v;
    }
  }

  /** Records what is queued now; the minute keeps the last sample. */
  sample(values: Record<GaugeField, number>, now: number): void {
    const base = this.slot(now) * GAUGE_FIELDS.length;
    GAUGE_FIELDS.forEach((g, i) => {
      this.gauges[base + i] = values[g];
      this.last[i] = values[g];
    });
  }

  /** The minutes of the last hour that have data, oldest first. */
  points(now: number): Array<HistoryPoint<F>> {
    const current = Math.floor(now / this.slotMs);
    const out: Array<HistoryPoint<F>> = [];
    for (let minute = current - this.slots + 1; minute <= current; minute++) {
      const slot = ((minute % this.slots) + this.slots) % this.slots;
      if (this.stamps[slot] !== minute) continue;
      const p = { time: minute * this.slotMs } as HistoryPoint<F>;
      const rec = p as Record<string, number>;
      this.fields.forEach((f, i) => (rec[f] = this.counters[slot * this.fields.length + i] as number));
      GAUGE_FIELDS.forEach((g, i) => (rec[g] = this.gauges[slot * GAUGE_FIELDS.length + i] as number));
      out.push(p);
    }
    return out;
  }

  private slot(now: number): number {
    const minute = Math.floor(now / this.slotMs);
    const slot = ((minute % this.slots) + this.slots) % this.slots;
    if (this.stamps[slot] !== minute) {
      this.stamps[slot] = minute;
      this.counters.fill(0, slot * this.fields.length, (slot + 1) * this.fields.length);
      this.gauges.set(this.last, slot * GAUGE_FIELDS.length);
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
