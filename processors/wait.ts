import { defineProcessor, property, relationship, type FlowFile } from "../engine/sdk";
import { totalCount, updateSignal } from "./lib/signals";
import { routeToFailure } from "./lib/failure-log";

const START_ATTR = "wait.start.timestamp";

interface Item {
  ff: FlowFile;
  target: number;
  releasable: number;
  counter: string | undefined;
}

export const Wait = defineProcessor({
  type: "Wait",
  summary: "Holds FlowFiles until a release signal (from Notify) reaches a target count, or they expire.",
  description: [
    "Each FlowFile waits for the release signal named by Release Signal Identifier (Expression Language). When the signal's count — the counter Signal Counter Name, or the sum of all counters when that is empty — reaches Target Signal Count, the count is consumed (reduced by the target) and Releasable FlowFile Count waiting FlowFiles are released to `success`, with the attributes Notify cached copied onto them and `wait.counter.<name>` recording the counts. A Releasable FlowFile Count of 0 releases every FlowFile with that identifier while the count stays at or above the target, without consuming it. A signal that is used up is removed from the cache.",
    "",
    "A FlowFile that cannot be released yet either goes to the `wait` relationship (Wait Mode **Transfer to wait relationship**; loop it back into Wait) or stays on the incoming connection (**Keep in the upstream connection**: put back with `transferBack`, and the processor yields). Its first wait is recorded in `wait.start.timestamp`; once it has waited longer than Expiration Duration it goes to `expired`. An empty identifier or a target that is not a positive whole number goes to failure.",
    "",
    "Signals live in the engine's DistributedCache (`context.services.cache`): local by default, shared across the cluster with Redis.",
  ].join("\n"),
  tags: ["wait", "hold", "signal", "release", "map", "cache", "flow control"],
  input: "required",
  properties: {
    releaseSignalIdentifier: property.string({
      displayName: "Release Signal Identifier",
      description: "Which signal to wait for (Expression Language).",
      required: true,
      expressionLanguage: "flowfile",
    }),
    targetSignalCount: property.string({
      displayName: "Target Signal Count",
      description: "Count at which FlowFiles are released (Expression Language).",
      default: "1",
      expressionLanguage: "flowfile",
    }),
    signalCounterName: property.string({
      displayName: "Signal Counter Name",
      description: "Counter to compare; empty = the sum of all counters (Expression Language).",
      expressionLanguage: "flowfile",
    }),
    releasableFlowFileCount: property.string({
      displayName: "Releasable FlowFile Count",
      description: "FlowFiles released each time the target is reached; 0 = all, without consuming the count (Expression Language).",
      default: "1",
      expressionLanguage: "flowfile",
    }),
    expirationDuration: property.duration({
      displayName: "Expiration Duration",
      description: "How long a FlowFile may wait before it goes to expired.",
      default: "10 min",
      minMs: 1,
    }),
    waitMode: property.enum({
      displayName: "Wait Mode",
      description: "Where a FlowFile that cannot be released yet goes.",
      values: [
        { value: "Transfer to wait relationship", description: "Route it to `wait` (connect that back to this processor)." },
        { value: "Keep in the upstream connection", description: "Leave it on the incoming connection." },
      ],
      default: "Transfer to wait relationship",
    }),
  },
  relationships: {
    success: relationship("Released FlowFiles."),
    wait: relationship("FlowFiles still waiting (Transfer to wait relationship mode)."),
    expired: relationship("FlowFiles that waited longer than Expiration Duration."),
    failure: relationship("FlowFiles with an empty identifier or an invalid count; `wait.error` says why."),
  },
  writesAttributes: {
    "wait.start.timestamp": "When the FlowFile first waited (epoch millis); removed on release.",
    "wait.counter.<name>": "On release: each counter of the signal when it was released.",
    "wait.counter.total": "On release: the sum of the counters.",
    "wait.error": "On failure: the reason.",
  },
  async onTrigger({ session, config, context }) {
    const now = Date.now();
    const keep = config.waitMode === "Keep in the upstream connection";
    const groups = new Map<string, Item[]>();
    for (const original of session.getBatch()) {
      let ff = original;
      if (ff.attributes[START_ATTR] === undefined) ff = session.putAttribute(ff, START_ATTR, String(now));
      try {
        const id = config.releaseSignalIdentifier.evaluate(ff);
        if (id === "") throw new Error("Release Signal Identifier evaluated to an empty string");
        const target = Number(config.targetSignalCount.evaluate(ff).trim());
        if (!Number.isInteger(target) || target < 1) throw new Error(`Target Signal Count must be a positive whole number`);
        const releasable = Number(config.releasableFlowFileCount.evaluate(ff).trim());
        if (!Number.isInteger(releasable) || releasable < 0) throw new Error(`Releasable FlowFile Count must be a whole number, 0 or more`);
        const counter = config.signalCounterName?.evaluate(ff) || undefined;
        const list = groups.get(id) ?? [];
        list.push({ ff, target, releasable, counter });
        groups.set(id, list);
      } catch (e) {
        routeToFailure(session, context, ff, "wait.error", (e as Error).message);
      }
    }

    let heldBack = 0;
    const notReleased = (ff: FlowFile): void => {
      const started = Number(ff.attributes[START_ATTR]);
      if (Number.isFinite(started) && now - started > config.expirationDuration) {
        session.transfer(ff, "expired");
      } else if (keep) {
        session.transferBack(ff);
        heldBack++;
      } else {
        session.transfer(ff, "wait");
      }
    };

    for (const [id, items] of groups) {
      const released = await updateSignal(context.services.cache, id, (signal) => {
        const out: Array<{ item: Item; counts: Record<string, number>; attributes: Record<string, string> }> = [];
        if (signal === null) return { signal: null, result: out };
        for (const item of items) {
          const before = { ...signal.counts };
          const count = () => (item.counter !== undefined ? (signal.counts[item.counter] ?? 0) : totalCount(signal));
          if (item.releasable === 0) {
            if (count() >= item.target) out.push({ item, counts: before, attributes: signal.attributes });
            continue;
          }
          if (signal.releasable <= 0 && count() >= item.target) {
            // Consume the target from the counter (or, for the total, from the counters in order).
            let rest = item.target;
            if (item.counter !== undefined) signal.counts[item.counter] = (signal.counts[item.counter] ?? 0) - rest;
            else {
              for (const k of Object.keys(signal.counts)) {
                const take = Math.min(rest, signal.counts[k] as number);
                signal.counts[k] = (signal.counts[k] as number) - take;
                rest -= take;
              }
            }
            signal.releasable += item.releasable;
          }
          if (signal.releasable > 0) {
            signal.releasable--;
            out.push({ item, counts: before, attributes: signal.attributes });
          }
        }
        const usedUp = signal.releasable <= 0 && totalCount(signal) <= 0 && items.every((i) => i.releasable > 0);
        return { signal: usedUp ? null : signal, result: out };
      });
      const releasedSet = new Set(released.map((r) => r.item));
      for (const { item, counts, attributes } of released) {
        const attrs: Record<string, string> = { ...attributes };
        for (const [k, v] of Object.entries(counts)) attrs[`wait.counter.${k}`] = String(v);
        attrs["wait.counter.total"] = String(Object.values(counts).reduce((a, b) => a + b, 0));
        let ff = session.putAllAttributes(item.ff, attrs);
        ff = session.removeAttribute(ff, START_ATTR);
        session.transfer(ff, "success");
      }
      for (const item of items) if (!releasedSet.has(item)) notReleased(item.ff);
    }
    if (heldBack > 0) context.yield();
  },
});
