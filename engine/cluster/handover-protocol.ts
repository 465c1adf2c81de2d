/**
 * What RedisDistributedLink and its handover thread (payload-writer.ts, payload-worker.ts) say
 * to each other, and the scripts that thread runs.
 */

/** One batch of a handover: its packed FlowFiles and its job. */
export interface HandoverBatch {
  /** Batch id, also the BullMQ job id and dedup id. */
  id: string;
  /** BullMQ queue name (partition included). */
  queue: string;
  /**
   * One batch of the queue at a time in the whole cluster (partition by attribute: per-key
   * order); the thread sets the queue's global concurrency to 1 before its first add to it.
   */
  ordered: boolean;
  /**
   * The packed batch: bytes `offset` to `offset + length` of `bytes`, either a slot of the
   * SharedArrayBuffer the node packs batches in (not to be touched once the thread answered
   * with an error: a write of it may still be on its way) or an ArrayBuffer of its own
   * (transferred).
   */
  bytes: ArrayBuffer | SharedArrayBuffer;
  offset: number;
  length: number;
  /**
   * Where in `bytes` the whole Redis command `SET data.k <packed batch>` is, encoded (RESP),
   * the packed batch inside it: the thread writes these bytes to its connection as they are.
   */
  setCommand: { offset: number; length: number };
  /** The job's data without its MAC `m`, which the thread computes; `data.k` is the payload key. */
  data: { v: 2; from: string; n: number; b: number; k: string; f: string[] };
}

/**
 * One handover, done by the thread in this order: CLAIM_SCRIPT over `claimKeys`/`claimArgs`
 * (one answer per batch, in order), then for each batch new to the cluster its payload (MAC,
 * SET), then their jobs (`jobOptions` plus the batch's id as job and dedup id).
 */
export interface HandoverRequest {
  id: number;
  claimKeys: string[];
  claimArgs: string[];
  batches: HandoverBatch[];
  jobOptions: Record<string, unknown>;
  dedupTtlMs: number;
}

/**
 * KEYS: entries hash, size hash, then each batch's dedup key; ARGV: (id, entry, count, bytes)….
 * For each batch: 0 when its dedup key exists (added, or finished within the window); else 1,
 * counted unless an entry is there already.
 */
export const CLAIM_SCRIPT = `
local out = {}
for i = 1, #ARGV / 4 do
  local a = (i - 1) * 4 + 1
  if redis.call('EXISTS', KEYS[i + 2]) == 1 then
    out[i] = 0
  else
    out[i] = 1
    if redis.call('HSETNX', KEYS[1], ARGV[a], ARGV[a + 1]) == 1 then
      redis.call('HINCRBY', KEYS[2], 'count', ARGV[a + 2])
      redis.call('HINCRBY', KEYS[2], 'bytes', ARGV[a + 3])
    end
  end
end
return out`;

/**
 * Starts a BullMQ worker in the thread for one queue (`cid` names it in later messages). Each job
 * it takes is posted as a `ConsumedJob`; the job ends as its `JobSettlement` says. A finished job
 * is uncounted and its payloads deleted there (FINISH_SCRIPT), a dead-lettered one uncounted
 * (UNCOUNT_SCRIPT), and the link is told (`ConsumerEvent`).
 */
export interface ConsumeRequest {
  kind: "consume";
  cid: number;
  queue: string;
  concurrency: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
  /**
   * A partition of a partition-by-attribute connection: its batches keep their order, so a
   * suspect one is never sent back to wait for a node with no other suspect (see payload-worker).
   */
  ordered: boolean;
  /** The connection's count entries and size hashes, and its payload key prefix (`…:p:`). */
  entriesKey: string;
  sizeKey: string;
  payloadPrefix: string;
}

/** Ends the worker `cid` (once its active jobs are settled); answered with `{ kind: "stopped", cid }`. */
export interface StopConsumeRequest {
  kind: "stopConsume";
  cid: number;
}

/** A job taken by the worker `cid`, waiting for its settlement `jid`. */
export interface ConsumedJob {
  kind: "job";
  cid: number;
  jid: number;
  id: string;
  data: unknown;
  attemptsMade: number;
}

/** How job `jid` ends: done, failed (dead-lettered at once when `unrecoverable`), or back to the head of the queue. */
export interface JobSettlement {
  kind: "settle";
  jid: number;
  outcome: "done" | "released" | { failed: string; unrecoverable: boolean };
}

/** Something the worker `cid` did that the link acts on or logs. */
export type ConsumerEvent =
  | { kind: "finished"; cid: number; id: string; data: unknown; entry: string | null }
  | { kind: "deadLettered"; cid: number; id: string; data: unknown; attemptsMade: number; stalls: number; reason: string; entry: string | null }
  | { kind: "consumerError"; cid: number; message: string }
  | { kind: "stopped"; cid: number };

/**
 * Lua, with the batch's count entry in `v` (batch ARGV[1] of the entries hash KEYS[1]): takes the
 * entry out, and its FlowFiles and bytes out of the size hash KEYS[2]. Shared by the scripts
 * that uncount a batch (here and the size sweep in distributed.ts).
 */
export const LUA_UNCOUNT_ENTRY = `
redis.call('HDEL', KEYS[1], ARGV[1])
local n, b = string.match(v, '^(%d+):(%d+):')
-- 0 - x, not -x: Lua's -0 reaches Redis as "-0", which HINCRBY refuses (a batch with no content).
redis.call('HINCRBY', KEYS[2], 'count', 0 - tonumber(n))
redis.call('HINCRBY', KEYS[2], 'bytes', 0 - tonumber(b))`;

/**
 * Lua that deletes the payload the count entry `v` names: `<key>.<nonce>`, or the key alone for
 * an entry from before nonces, where `key` is the Lua expression (e.g. "ARGV[2]") of the batch's
 * payload key without a nonce.
 */
export function luaDeleteEntryPayload(key: string): string {
  return `
local nonce = string.match(v, '^[^:]*:[^:]*:[^:]*:[^:]*:(%x+)$')
if nonce and string.len(nonce) == 12 then
  redis.call('DEL', ${key} .. '.' .. nonce)
else
  redis.call('DEL', ${key})
end`;
}

/**
 * KEYS: entries hash, size hash, the finished job's payload key; ARGV: id, the batch's payload
 * key without a nonce. UNCOUNT_SCRIPT, then deletes the job's payload and the one the count
 * entry names (`<key>.<nonce>`, or the key alone for an entry from before nonces). Returns the
 * entry, or 0 when the batch was not counted.
 */
export const FINISH_SCRIPT = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[3])
if not v then return 0 end
${LUA_UNCOUNT_ENTRY}
${luaDeleteEntryPayload("ARGV[2]")}
return v`;

/** KEYS: entries hash, size hash; ARGV: id. Uncounts it if counted; its entry when it was, else 0. */
export const UNCOUNT_SCRIPT = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return 0 end
${LUA_UNCOUNT_ENTRY}
return v`;
