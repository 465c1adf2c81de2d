import { defineProcessor, property, relationship } from "../engine/sdk";

const STRATEGIES = ["Route to Property name", "Route to 'matched' if all match", "Route to 'matched' if any matches"] as const;

export const RouteOnAttribute = defineProcessor({
  type: "RouteOnAttribute",
  summary: "Routes each FlowFile by Expression Language conditions on its attributes.",
  description:
    "Each dynamic property is a named condition (a boolean Expression Language expression). With **Route to Property name**, each property is a relationship and a FlowFile goes to every route whose condition is true (cloned when several match), or to `unmatched`. With the matched strategies, the FlowFile goes to `matched` when all (or any) conditions hold, else `unmatched`.",
  tags: ["routing", "attributes", "expression language", "regex", "filter"],
  input: "required",
  properties: {
    strategy: property.enum({
      displayName: "Routing Strategy",
      description: "How conditions pick the destination.",
      values: STRATEGIES,
      default: "Route to Property name",
    }),
  },
  relationships: {
    unmatched: relationship("FlowFiles that match no condition."),
    matched: relationship("FlowFiles whose conditions hold (matched strategies only)."),
  },
  activeRelationships: (raw) => ((raw.strategy ?? "Route to Property name") === "Route to Property name" ? ["unmatched"] : ["matched", "unmatched"]),
  writesAttributes: { "RouteOnAttribute.Route": "Route to Property name: the route this FlowFile (or clone) took." },
  dynamicProperties: {
    description: "Route name → boolean Expression Language condition.",
    relationships: (raw) => (raw.strategy ?? "Route to Property name") === "Route to Property name",
  },
  validate(_config, raw) {
    const dynamic = Object.keys(raw).filter((k) => k !== "strategy");
    return dynamic.length ? [] : [{ property: "", message: "add at least one routing condition (a dynamic property)" }];
  },
  onTrigger({ session, context, config }) {
    const routes = context.dynamicProperties;
    for (const ff of session.getBatch()) {
      if (config.strategy === "Route to Property name") {
        const hits: string[] = [];
        for (const r of routes) if (r.evaluateBoolean(ff)) hits.push(r.name);
        if (hits.length === 0) {
          session.provenance.route(ff, "unmatched");
          session.transfer(ff, "unmatched");
          continue;
        }
        for (let i = 1; i < hits.length; i++) {
          const copy = session.putAttribute(session.clone(ff), "RouteOnAttribute.Route", hits[i] as string);
          session.provenance.route(copy, hits[i] as string);
          session.transferDynamic(copy, hits[i] as string);
        }
        const routed = session.putAttribute(ff, "RouteOnAttribute.Route", hits[0] as string);
        session.provenance.route(routed, hits[0] as string);
        session.transferDynamic(routed, hits[0] as string);
        continue;
      }
      const all = config.strategy === "Route to 'matched' if all match";
      const ok = all ? routes.every((r) => r.evaluateBoolean(ff)) : routes.some((r) => r.evaluateBoolean(ff));
      const rel = ok ? "matched" : "unmatched";
      session.provenance.route(ff, rel);
      session.transfer(ff, rel);
    }
  },
});
