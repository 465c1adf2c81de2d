import { defineProcessor, property, relationship } from "../engine/sdk";
import { compileJavaRegex, regexProblem, type SafeRegex } from "./lib/regex";
import { CHARSETS, decode } from "./lib/text";
import { routeToFailure } from "./lib/failure-log";

const MAX_CACHED = 64;

export const RouteOnContent = defineProcessor({
  type: "RouteOnContent",
  summary: "Routes FlowFiles by regular expressions matched against their content.",
  description:
    "Each dynamic property is a relationship name → regular expression (Java-style; Expression Language is evaluated per FlowFile). A FlowFile goes to every relationship whose expression matches — cloned when several do — or to `unmatched`. With **content must match exactly** the expression must match the whole (buffered) content; with **content must contain match** it may match anywhere. Only the first Content Buffer Size bytes are examined. A FlowFile whose expression fails to evaluate or compile goes to failure.",
  tags: ["route", "content", "regex", "regular expression", "filter", "text"],
  input: "required",
  properties: {
    matchRequirement: property.enum({
      displayName: "Match Requirement",
      description: "Whether the expression must match the whole content or just part of it.",
      values: ["content must match exactly", "content must contain match"],
      default: "content must match exactly",
    }),
    characterSet: property.enum({ displayName: "Character Set", description: "Character set of the content.", values: CHARSETS, default: "UTF-8" }),
    bufferSize: property.dataSize({
      displayName: "Content Buffer Size",
      description: "How many bytes of the content are examined.",
      default: "1 MB",
    }),
  },
  relationships: {
    unmatched: relationship("FlowFiles that match no expression."),
    failure: relationship("FlowFiles whose expression could not be evaluated or compiled; `routeoncontent.error` says why."),
  },
  dynamicProperties: { description: "Relationship name → regular expression (Expression Language allowed).", relationships: true },
  writesAttributes: { "RouteOnContent.Route": "The relationship this FlowFile (or clone) was routed to.", "routeoncontent.error": "On failure: the reason." },
  validate(_config, raw) {
    const routes = Object.entries(raw).filter(([k]) => !["matchRequirement", "characterSet", "bufferSize"].includes(k));
    const out: Array<{ property: string; message: string }> = [];
    if (routes.length === 0) out.push({ property: "", message: "add at least one route (a dynamic property: relationship name → regular expression)" });
    for (const [k, v] of routes) {
      if (k === "unmatched" || k === "failure") out.push({ property: k, message: `"${k}" is a built-in relationship` });
      if (!v.includes("${")) {
        const p = regexProblem(v);
        if (p) out.push({ property: k, message: p });
      }
    }
    return out;
  },
  onScheduled() {
    return { cache: new Map<string, SafeRegex>() };
  },
  onTrigger({ session, config, context, state }) {
    const mode = config.matchRequirement === "content must match exactly" ? "full" : "find";
    const regexFor = (pattern: string): SafeRegex => {
      let re = state.cache.get(pattern);
      if (!re) {
        re = compileJavaRegex(pattern, mode);
        if (state.cache.size >= MAX_CACHED) state.cache.clear();
        state.cache.set(pattern, re);
      }
      return re;
    };
    for (const original of session.getBatch()) {
      let ff = original;
      const buf = session.read(ff);
      const text = decode(buf.length > config.bufferSize ? buf.subarray(0, config.bufferSize) : buf, config.characterSet);
      const hits: string[] = [];
      try {
        for (const route of context.dynamicProperties) if (regexFor(route.evaluate(ff)).test(text)) hits.push(route.name);
      } catch (e) {
        routeToFailure(session, context, ff, "routeoncontent.error", (e as Error).message);
        continue;
      }
      if (hits.length === 0) {
        session.provenance.route(ff, "unmatched");
        session.transfer(ff, "unmatched");
        continue;
      }
      for (let i = 1; i < hits.length; i++) {
        const copy = session.putAttribute(session.clone(ff), "RouteOnContent.Route", hits[i] as string);
        session.provenance.route(copy, hits[i] as string);
        session.transferDynamic(copy, hits[i] as string);
      }
      ff = session.putAttribute(ff, "RouteOnContent.Route", hits[0] as string);
      session.provenance.route(ff, hits[0] as string);
      session.transferDynamic(ff, hits[0] as string);
    }
  },
});
