/**
 * A poison FlowFile in a distributed connection, on a coordinator and two `sluice node`
 * processes (issue 12: "drives a poison FlowFile into the dead-letter list and back out").
 *
 * Two primary-only generators hand FlowFiles over to round-robin connections into one
 * UpdateAttribute, whose expression divides by the FlowFile's `divisor` attribute: the five
 * good FlowFiles (divisor 1) pass, the two poison ones (divisor 0, each its own batch) make the
 * processor throw on whichever node takes them, until the cluster gives up on their batches
 * and lists them as dead letters. Then, through the coordinator's node API: one is dropped (a
 * DROP event, gone from the list); the expression is fixed by a new revision and the other is
 * retried, and reaches the sink. Every wait is for a condition, with a deadline.
 *
 * Beside it, on the link itself: a batch that does not open (sealed with another secret) is
 * dead-lettered at once, and leaves the cluster-wide count the nodes' back pressure reads.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FlowDocument } from "../../engine/api/flow-format";
import type { DeadLetter, FlowStatus } from "../../engine/api/node-api";
import { isNodeError } from "../../engine/api/node-errors";
import { RedisDistributedLink } from "../../engine/cluster/distributed";
import { ClusterKeys } from "../../engine/cluster/keys";
import { RedisLink } from "../../engine/cluster/redis-link";
import { ClusterKey } from "../../engine/cluster/seal";
import { uniqueId } from "./helpers/ids";
import { NodeCluster } from "./helpers/node-cluster";
import { deleteKeysWithPrefix, testRedis } from "./helpers/redis";
import { redisUrl } from "./helpers/services";
import { until } from "./helpers/until";

const FLOW = "dead-letter";
const GOOD = 5;
const POISON = 2;

/** good, bad (primary only) → in-good / in-bad (round robin) → check (UpdateAttribute) → sink. */
function flow(fixed: boolean): FlowDocument {
  const gen = (count: number, text: string, divisor: string) => ({
    type: "GenerateFlowFile",
    // One FlowFile per trigger: each is its own session, so its own batch.
    properties: { batchSize: "1", totalCount: String(count), customText: text, divisor },
    scheduling: { runSchedule: "100 ms", executionNode: "primary" },
    state: "running",
  });
  return {
    sluice: 1,
    id: FLOW,
    name: "dead letters",
    processors: [
      { id: "good", ...gen(GOOD, "good", "1") },
      { id: "bad", ...gen(POISON, "poison", "0") },
      // Dividing a whole number by zero is an evaluation error, which UpdateAttribute throws.
      { id: "check", type: "UpdateAttribute", properties: { ratio: fixed ? "${divisor:plus(1)}" : "${literal(100):divide(${divisor})}" }, state: "running" },
      { id: "sink", type: "LogAttribute", properties: {}, autoTerminate: ["success"], state: "running" },
    ],
    connections: [
      { id: "in-good", source: "good", relationships: ["success"], destination: "check", loadBalance: { strategy: "round-robin" } },
      { id: "in-bad", source: "bad", relationships: ["success"], destination: "check", loadBalance: { strategy: "round-robin" } },
      { id: "checked", source: "check", relationships: ["success"], destination: "sink" },
    ],
  } as unknown as FlowDocument;
}

function sinkIn(s: FlowStatus): number {
  return s.processors.find((p) => p.id === "sink")?.stats.in ?? 0;
}

describe("cluster: a poison FlowFile into the dead-letter list and back out", () => {
  let cluster: NodeCluster;

  beforeAll(async () => {
    cluster = await NodeCluster.start(["a", "b"], { prefix: "sluice-dl" });
  }, 120_000);

  afterAll(async () => {
    await cluster?.close();
  });

  it("lists the poison batches after their tries, drops one, and retries the other into the sink once the flow is fixed", async () => {
    const { coord } = cluster;
    const members = await cluster.connected(2);
    const primary = members.find((m) => m.primary)!.id;
    await coord.deploy({ flowId: FLOW, revision: 1, snapshot: flow(false) });

    let seen = "";
    const dead = await until(
      () => `both poison batches in the dead-letter list (${seen}); stderr: ${cluster.stderrs()}`,
      90_000,
      async () => {
        const list = await coord.deadLetters(FLOW, "in-bad");
        seen = `${list.length} listed, sink took ${sinkIn(await coord.status(FLOW))}`;
        return list.length === POISON && list;
      },
    );
    for (const d of dead) {
      expect(d).toMatchObject({ from: primary, count: 1, bytes: "poison".length, attempts: 5 });
      expect(d.reason).toMatch(/by zero in 'divide'/);
      expect(d.sample.map((f) => f.uuid)).toEqual([expect.any(String)]);
    }
    // The good FlowFiles went through, on whichever node took them; none of them is listed.
    await until(() => `the ${GOOD} good FlowFiles at the sink`, 30_000, async () => sinkIn(await coord.status(FLOW)) === GOOD);
    expect(await coord.deadLetters(FLOW, "in-good")).toEqual([]);
    await expect(coord.deadLetters(FLOW, "checked")).rejects.toSatisfy((e: unknown) => isNodeError(e, "bad-request"));

    // Dropped: gone from the list for good, with a DROP event saying where from.
    const [dropped, retried] = dead as [DeadLetter, DeadLetter];
    await coord.resolveDeadLetter(FLOW, "in-bad", dropped.id, "drop");
    expect((await coord.deadLetters(FLOW, "in-bad")).map((d) => d.id)).toEqual([retried.id]);
    const dropUuid = dropped.sample[0]!.uuid;
    const drops = await until(
      () => `a DROP event for ${dropUuid}`,
      15_000,
      async () => {
        const { events } = await coord.provenanceSearch(FLOW, { flowFileUuid: dropUuid, type: "DROP" });
        return events.length > 0 && events;
      },
    );
    expect(drops).toHaveLength(1);
    expect(drops[0]!.details).toContain("dead-letter");
    await expect(coord.resolveDeadLetter(FLOW, "in-bad", dropped.id, "retry")).rejects.toSatisfy((e: unknown) => isNodeError(e, "not-found"));

    // Fixed, and retried: the poison FlowFile passes `check` and reaches the sink, once.
    const fixed = await coord.deploy({ flowId: FLOW, revision: 2, snapshot: flow(true) });
    expect(fixed.outcome).toBe("applied");
    await coord.resolveDeadLetter(FLOW, "in-bad", retried.id, "retry");
    await until(
      () => `the retried FlowFile at the sink (${seen}); stderr: ${cluster.stderrs()}`,
      60_000,
      async () => {
        const s = await coord.status(FLOW);
        const list = await coord.deadLetters(FLOW, "in-bad");
        seen = `sink took ${sinkIn(s)}, ${list.length} listed`;
        return sinkIn(s) === GOOD + 1 && list.length === 0;
      },
    );
    const retriedUuid = retried.sample[0]!.uuid;
    const { events } = await coord.provenanceSearch(FLOW, { flowFileUuid: retriedUuid, componentId: "check" });
    expect(events.map((e) => e.type)).toContain("ATTRIBUTES_MODIFIED");
    const atSink = await coord.provenanceSearch(FLOW, { flowFileUuid: retriedUuid, componentId: "sink", type: "DROP" });
    expect(atSink.events).toHaveLength(1);
    expect(await coord.deadLetters(FLOW, "in-bad")).toEqual([]);
  }, 240_000);
});

describe("distributed link: a batch that does not open", () => {
  it("is dead-lettered on its first try and leaves the cluster-wide count", async () => {
    const keys = new ClusterKeys(uniqueId("sluice-dl-seal"));
    const ref = { flowId: "f", connectionId: "c", strategy: "round-robin" as const };
    const logs: string[] = [];
    const opened: Array<{ link: RedisLink; dl: RedisDistributedLink }> = [];
    const link = async (secret: string) => {
      const l = new RedisLink(redisUrl(), () => {});
      await l.ready();
      const dl = new RedisDistributedLink({ link: l, keys, key: new ClusterKey(secret), nodeId: "n", attempts: 5, backoffMs: 50, log: (line) => logs.push(line) });
      opened.push({ link: l, dl });
      return dl;
    };
    const redis = testRedis();
    try {
      const forger = await link("not-the-cluster-secret-0123456789");
      const node = await link("the-cluster-secret-0123456789abcdef");
      await forger.handover(ref, [{ id: "forged", partition: 0, bytes: 4, flowFiles: [{ uuid: "u1", attributes: {}, entryDate: 0, lineageStartDate: 0, content: Buffer.from("evil") }] }]);
      const delivered: string[] = [];
      node.consume(ref, async (b) => {
        delivered.push(b.id);
        return "done";
      });
      const [dead] = await until(() => "the forged batch in the dead-letter list", 20_000, async () => {
        const list = await node.deadLetters(ref);
        return list.length > 0 && list;
      });
      expect(dead).toMatchObject({ id: "forged", attempts: 1, reason: expect.stringContaining("seal does not verify") });
      expect(delivered).toEqual([]);
      await until(
        () => `the cluster-wide count back to 0 (${logs.join(" | ")})`,
        10_000,
        async () => (await redis.hget(`${keys.cluster}:dq:f:c:size`, "count")) === "0",
      );
      expect(logs).toContainEqual(expect.stringContaining("batch forged moved to the dead-letter list after 1 failed attempt: "));
    } finally {
      for (const o of opened) {
        await o.dl.close();
        await o.link.close();
      }
      await deleteKeysWithPrefix(redis, keys.cluster);
      await redis.quit();
    }
  });
});
