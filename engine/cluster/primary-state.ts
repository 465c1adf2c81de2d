/**
 * The cluster's PrimaryStateStore (engine/api/node.ts): the state dir of each primary-only
 * processor, kept in Redis (`<c>:state:<flowId>`, field = processor id, sealed and encrypted)
 * so the next primary goes on where the last one stopped.
 *
 * Writes are fenced: a Lua script stores the state only while the lease key still holds this
 * node's lease value, so a node that lost the primary (and may not know yet) cannot overwrite
 * what the new primary wrote. Guarantee: the state follows the primary as of the last commit
 * whose save reached Redis; a crash between a commit and its save (a few microseconds; the
 * save is sent in the same tick), or a lease that moved in between (a starved node), repeats
 * that commit's work on the next primary (at least once). A source's handovers to distributed
 * connections are named after the state they started from (engine/runtime/source-handover.ts,
 * whose marker file travels here with the processor's own), so the cluster adds the batches of
 * such a repeat once.
 */
import type { Redis } from "ioredis";
import type { PrimaryStateStore } from "../api/node";
import type { ClusterKeys } from "./keys";
import type { ClusterKey } from "./seal";

/** KEYS: lease, state hash. ARGV: expected lease value, field, value. 1 when stored. */
const FENCED_HSET = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
return 1`;

export class RedisPrimaryState implements PrimaryStateStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: ClusterKeys,
    private readonly key: ClusterKey,
    /** The lease value while this node holds the primary lease, else null. */
    private readonly lease: () => string | null,
  ) {}

  async save(flowId: string, processorId: string, files: Record<string, Uint8Array>): Promise<boolean> {
    const lease = this.lease();
    if (!lease) return false;
    const text = this.key.seal("state", { flowId, processorId, files }, { encrypt: true });
    return Number(await this.redis.eval(FENCED_HSET, 2, this.keys.primary, this.keys.state(flowId), lease, processorId, text)) === 1;
  }

  async load(flowId: string, processorId: string): Promise<Record<string, Uint8Array> | null> {
    const text = await this.redis.hget(this.keys.state(flowId), processorId);
    if (!text) return null;
    const body = this.key.open("state", text) as { flowId: string; processorId: string; files: Record<string, Uint8Array> };
    // A sealed state moved to another flow or processor's field is not this one's.
    if (body.flowId !== flowId || body.processorId !== processorId) return null;
    return body.files;
  }

  /** Deletes a flow's primary-only state (the flow was deleted with its data). */
  async remove(flowId: string): Promise<void> {
    await this.redis.del(this.keys.state(flowId));
  }
}
