/**
 * What RedisDistributedLink hands to its handover thread (payload-writer.ts, payload-worker.ts),
 * and the claim script that thread runs.
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
  /** The packed batch (transferred; bytes 0 to `length`). */
  bytes: ArrayBuffer;
  length: number;
  /** The job's data without its MAC `m`, which the thread computes; `data.k` is the payload key. */
  data: { v: 2; from: string; n: number; b: number; k: string; f: string[] };
}

/**
 * One handover, done by the thread in this order: CLAIM_SCRIPT over `claimKeys`/`claimArgs`
 * (one answer per batch, in order), then for each batch new to the cluster its payload (HMAC,
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
