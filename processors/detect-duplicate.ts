import { defineProcessor, property, relationship, type FlowFile } from "../engine/sdk";
import { routeToFailure } from "./lib/failure-log";

/** Keys are namespaced so they cannot collide with other users of the cache (Wait/Notify signals). */
const KEY_PREFIX = "sluice.dedupe.";

export const DetectDuplicate = defineProcessor({
  type: "DetectDuplicate",
  summary: "Routes FlowFiles whose identifier was seen before (within an age-off window) to duplicate.",
  description: [
    "The Cache Entry Identifier (Expression Language, e.g. `${hash.value}` after HashContent, or a business key) is looked up in the engine's DistributedCache (`context.services.cache`): local to the process by default, shared by every node when the cluster's Redis is configured (one atomic SET NX PX per identifier). The first FlowFile with an identifier goes to `non-duplicate` and its FlowFile Description is stored; later ones go to `duplicate` with that description in `original.flowfile.description`, until the entry ages off after Age Off Duration.",
    "",
    "With Cache The Entry Identifier false, identifiers are only looked up, never stored (a FlowFile is a duplicate only if something else stored it). Duplicates within one batch are detected too, in queue order. An identifier that evaluates to an empty string, or an Expression Language error, goes to failure.",
  ].join("\n"),
  tags: ["dedupe", "duplicate", "hash", "distributed", "cache", "filter"],
  input: "required",
  properties: {
    cacheEntryIdentifier: property.string({
      displayName: "Cache Entry Identifier",
      description: "What identifies a duplicate (Expression Language).",
      default: "${hash.value}",
      expressionLanguage: "flowfile",
    }),
    flowFileDescription: property.string({
      displayName: "FlowFile Description",
      description: "Stored with the identifier and given to duplicates as original.flowfile.description (Expression Language).",
      default: "",
      expressionLanguage: "flowfile",
    }),
    ageOffDuration: property.duration({
      displayName: "Age Off Duration",
      description: "How long an identifier is remembered. Empty = forever.",
      minMs: 1,
    }),
    cacheEntry: property.boolean({
      displayName: "Cache The Entry Identifier",
      description: "Store identifiers of non-duplicates (false = only look them up).",
      default: "true",
    }),
  },
  relationships: {
    duplicate: relationship("FlowFiles whose identifier was already in the cache."),
    "non-duplicate": relationship("FlowFiles seen for the first time."),
    failure: relationship("FlowFiles whose identifier is empty or could not be evaluated; `detectduplicate.error` says why."),
  },
  writesAttributes: {
    "original.flowfile.description": "On duplicates: the description stored by the first FlowFile.",
    "detectduplicate.error": "On failure: the reason.",
  },
  async onTrigger({ session, config, context }) {
    const cache = context.services.cache;
    const firstByKey = new Map<string, { ff: FlowFile; description: string; laterOnes: FlowFile[] }>();
    for (const ff of session.getBatch()) {
      let key: string;
      let description: string;
      try {
        key = config.cacheEntryIdentifier.evaluate(ff);
        description = config.flowFileDescription.evaluate(ff);
      } catch (e) {
        routeToFailure(session, context, ff, "detectduplicate.error", (e as Error).message);
        continue;
      }
      if (key === "") {
        routeToFailure(session, context, ff, "detectduplicate.error", "Cache Entry Identifier evaluated to an empty string");
        continue;
      }
      const seen = firstByKey.get(key);
      if (seen) seen.laterOnes.push(ff);
      else firstByKey.set(key, { ff, description, laterOnes: [] });
    }
    // One cache round trip per distinct identifier, all in flight together.
    const outcomes = await Promise.all(
      [...firstByKey].map(async ([key, entry]) => {
        const k = KEY_PREFIX + key;
        if (config.cacheEntry) {
          if (await cache.putIfAbsent(k, entry.description, config.ageOffDuration)) return { entry, existing: null };
          return { entry, existing: (await cache.get(k)) ?? "" };
        }
        return { entry, existing: await cache.get(k) };
      }),
    );
    for (const { entry, existing } of outcomes) {
      if (existing === null) session.transfer(entry.ff, "non-duplicate");
      else session.transfer(session.putAttribute(entry.ff, "original.flowfile.description", existing), "duplicate");
      const description = existing ?? entry.description;
      for (const later of entry.laterOnes) {
        // Without caching, a later one is a duplicate only of something already in the cache.
        if (!config.cacheEntry && existing === null) session.transfer(later, "non-duplicate");
        else session.transfer(session.putAttribute(later, "original.flowfile.description", description), "duplicate");
      }
    }
  },
});
