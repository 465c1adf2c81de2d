import { defineProcessor, parseDataSize, property, relationship, type FlowFile } from "../engine/sdk";
import { routeToFailure } from "./lib/failure-log";

/** A token bucket: `capacity` per `durationMs`, full at the start. */
interface Bucket {
  tokens: number;
  updated: number;
}

/** Groups that have been idle (their bucket full) are forgotten beyond this many. */
const MAX_IDLE_GROUPS = 10_000;

function parseRate(criteria: string, raw: string): number {
  if (criteria === "data rate") return parseDataSize(raw);
  const n = Number(raw.trim());
  if (raw.trim() === "" || !Number.isFinite(n) || n <= 0) throw new Error(`"${raw}" is not a positive number`);
  if (criteria === "flowfile count" && !Number.isInteger(n)) throw new Error(`"${raw}" is not a whole number`);
  return n;
}

export const ControlRate = defineProcessor({
  type: "ControlRate",
  summary: "Limits how many FlowFiles (or bytes, or the sum of an attribute) pass per time duration, optionally per group.",
  description: [
    "Rate Control Criteria picks what is counted: FlowFiles, bytes of content, or the numeric value of an attribute. At most Maximum Rate of it passes per Time Duration, measured with a token bucket that starts full (so up to Maximum Rate may pass at once, then the rate is smooth). A FlowFile larger than the whole rate passes when the bucket is full and then borrows from the following windows, so the average still holds. With a Grouping Attribute every distinct value has its own rate.",
    "",
    "FlowFiles over the rate stay queued on the incoming connection (they are put back with `transferBack`, keeping their order within a group) and the processor yields, so they are not penalized. With the attribute value criteria, a FlowFile whose attribute is missing or not a number goes to failure.",
  ].join("\n"),
  tags: ["rate control", "throttle", "rate", "throughput", "flow control"],
  input: "required",
  properties: {
    criteria: property.enum({
      displayName: "Rate Control Criteria",
      description: "What is counted against the rate.",
      values: [
        { value: "flowfile count", description: "Each FlowFile counts 1." },
        { value: "data rate", description: "Bytes of content." },
        { value: "attribute value", description: "The numeric value of the Rate Controlled Attribute." },
      ],
      default: "flowfile count",
    }),
    maxRate: property.string({
      displayName: "Maximum Rate",
      description: "How much passes per Time Duration: a number, or a data size such as 1 MB for data rate.",
      required: true,
    }),
    rateControlledAttribute: property.string({
      displayName: "Rate Controlled Attribute",
      description: "Attribute whose numeric value is counted.",
      required: true,
      dependsOn: { property: "criteria", values: ["attribute value"] },
    }),
    timeDuration: property.duration({ displayName: "Time Duration", description: "The period Maximum Rate applies to.", default: "1 min", minMs: 1 }),
    groupingAttribute: property.string({
      displayName: "Grouping Attribute",
      description: "FlowFiles with different values of this attribute are rate-limited separately.",
    }),
  },
  relationships: {
    success: relationship("FlowFiles within the rate."),
    failure: relationship("With attribute value: FlowFiles whose attribute is missing or not a number; `controlrate.error` says why."),
  },
  writesAttributes: { "controlrate.error": "On failure: the reason." },
  validate(config) {
    try {
      parseRate(config.criteria, config.maxRate);
      return [];
    } catch (e) {
      return [{ property: "maxRate", message: (e as Error).message }];
    }
  },
  onScheduled({ config }) {
    return { capacity: parseRate(config.criteria, config.maxRate), buckets: new Map<string, Bucket>() };
  },
  onTrigger({ session, config, context, state }) {
    const now = Date.now();
    const perMs = state.capacity / config.timeDuration;
    const bucketOf = (group: string): Bucket => {
      let b = state.buckets.get(group);
      if (!b) {
        if (state.buckets.size >= MAX_IDLE_GROUPS) {
          for (const [k, v] of state.buckets) if (Math.min(state.capacity, v.tokens + (now - v.updated) * perMs) >= state.capacity) state.buckets.delete(k);
        }
        b = { tokens: state.capacity, updated: now };
        state.buckets.set(group, b);
      } else {
        b.tokens = Math.min(state.capacity, b.tokens + (now - b.updated) * perMs);
        b.updated = now;
      }
      return b;
    };

    // Fast path: plain FlowFile counting takes only what the rate allows, so nothing goes back.
    if (config.criteria === "flowfile count" && !config.groupingAttribute) {
      const b = bucketOf("");
      const allowed = Math.min(Math.floor(b.tokens), context.batchSize);
      if (allowed < 1) {
        context.yield();
        return;
      }
      const taken = session.get(allowed);
      b.tokens -= taken.length;
      for (const ff of taken) session.transfer(ff, "success");
      if (taken.length === allowed && b.tokens < 1 && context.queuedCount() > taken.length) context.yield();
      return;
    }

    const blocked = new Set<string>();
    let heldBack = 0;
    for (const original of session.getBatch()) {
      const ff: FlowFile = original;
      const group = config.groupingAttribute ? (ff.attributes[config.groupingAttribute] ?? "") : "";
      let cost: number;
      if (config.criteria === "data rate") cost = ff.size;
      else if (config.criteria === "flowfile count") cost = 1;
      else {
        const attr = config.rateControlledAttribute as string;
        const raw = ff.attributes[attr];
        cost = raw === undefined ? NaN : Number(raw.trim());
        if (raw === undefined || raw.trim() === "" || !Number.isFinite(cost) || cost < 0) {
          const msg = raw === undefined ? `attribute ${attr} is missing` : `attribute ${attr} is not a non-negative number: "${raw}"`;
          routeToFailure(session, context, ff, "controlrate.error", msg);
          continue;
        }
      }
      if (blocked.has(group)) {
        session.transferBack(ff);
        heldBack++;
        continue;
      }
      const b = bucketOf(group);
      if (b.tokens >= cost || b.tokens >= state.capacity) {
        b.tokens -= cost;
        session.transfer(ff, "success");
      } else {
        blocked.add(group);
        session.transferBack(ff);
        heldBack++;
      }
    }
    if (heldBack > 0) context.yield();
  },
});
