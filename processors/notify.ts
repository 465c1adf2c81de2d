import { defineProcessor, property, relationship, type FlowFile } from "../engine/sdk";
import { compileJavaRegex, regexProblem } from "./lib/regex";
import { emptySignal, updateSignal } from "./lib/signals";
import { routeToFailure } from "./lib/failure-log";

export const Notify = defineProcessor({
  type: "Notify",
  summary: "Adds to a release signal's counter in the shared cache, so a Wait processor can release FlowFiles.",
  description: [
    "For each FlowFile, the counter Signal Counter Name of the release signal Release Signal Identifier is increased by Signal Counter Delta (all Expression Language; the delta may be negative). Attributes matching Attribute Cache Regex are stored with the signal and copied by Wait onto the FlowFiles it releases.",
    "",
    "Signals live in the engine's DistributedCache (`context.services.cache`): local to the process by default, shared across the cluster when Redis is configured. Updates within one run are added up per signal and written once with a compare-and-set, retried when another Notify or Wait (on any node) changed the signal meanwhile. A FlowFile whose identifier is empty or whose delta is not a whole number goes to failure.",
  ].join("\n"),
  tags: ["notify", "signal", "release", "wait", "map", "cache", "flow control"],
  input: "required",
  properties: {
    releaseSignalIdentifier: property.string({
      displayName: "Release Signal Identifier",
      description: "Which signal to notify (Expression Language), e.g. ${fragment.identifier}.",
      required: true,
      expressionLanguage: "flowfile",
    }),
    signalCounterName: property.string({
      displayName: "Signal Counter Name",
      description: "Which counter of the signal to change (Expression Language).",
      default: "default",
      expressionLanguage: "flowfile",
    }),
    signalCounterDelta: property.string({
      displayName: "Signal Counter Delta",
      description: "Whole number added to the counter (Expression Language).",
      default: "1",
      expressionLanguage: "flowfile",
    }),
    attributeCacheRegex: property.string({
      displayName: "Attribute Cache Regex",
      description: "Attributes whose names match are stored with the signal (Wait copies them to released FlowFiles).",
    }),
  },
  relationships: {
    success: relationship("FlowFiles whose signal was updated."),
    failure: relationship("FlowFiles with an empty identifier or a delta that is not a whole number; `notify.error` says why."),
  },
  writesAttributes: { notified: "true once the signal was updated.", "notify.error": "On failure: the reason." },
  validate(config) {
    if (config.attributeCacheRegex !== undefined) {
      const p = regexProblem(config.attributeCacheRegex, "full");
      if (p) return [{ property: "attributeCacheRegex", message: p }];
    }
    return [];
  },
  onScheduled({ config }) {
    return { cacheRe: config.attributeCacheRegex ? compileJavaRegex(config.attributeCacheRegex, "full") : null };
  },
  async onTrigger({ session, config, context, state }) {
    const bySignal = new Map<string, { deltas: Record<string, number>; attributes: Record<string, string>; members: FlowFile[] }>();
    for (const original of session.getBatch()) {
      const ff = original;
      let id: string;
      let counter: string;
      let delta: number;
      try {
        id = config.releaseSignalIdentifier.evaluate(ff);
        counter = config.signalCounterName.evaluate(ff) || "default";
        const raw = config.signalCounterDelta.evaluate(ff).trim();
        if (!/^-?\d+$/.test(raw)) throw new Error(`Signal Counter Delta "${raw}" is not a whole number`);
        delta = Number(raw);
        if (id === "") throw new Error("Release Signal Identifier evaluated to an empty string");
      } catch (e) {
        routeToFailure(session, context, ff, "notify.error", (e as Error).message);
        continue;
      }
      let entry = bySignal.get(id);
      if (!entry) {
        entry = { deltas: {}, attributes: {}, members: [] };
        bySignal.set(id, entry);
      }
      entry.deltas[counter] = (entry.deltas[counter] ?? 0) + delta;
      if (state.cacheRe) for (const [k, v] of Object.entries(ff.attributes)) if (state.cacheRe.test(k)) entry.attributes[k] = v;
      entry.members.push(ff);
    }
    for (const [id, entry] of bySignal) {
      await updateSignal(context.services.cache, id, (current) => {
        const s = current ?? emptySignal();
        for (const [name, d] of Object.entries(entry.deltas)) s.counts[name] = (s.counts[name] ?? 0) + d;
        Object.assign(s.attributes, entry.attributes);
        return { signal: s, result: undefined };
      });
      for (const ff of entry.members) session.transfer(session.putAttribute(ff, "notified", "true"), "success");
    }
  },
});
