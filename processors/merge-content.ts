import { defineProcessor, property, relationship, type FlowFile, type ProcessSession, type ProcessorContext } from "../engine/sdk";
import { routeToFailure } from "./lib/failure-log";

type Rel = "merged" | "original" | "failure";

/** A group of FlowFiles that will become one merged FlowFile. */
interface Bin {
  readonly key: string;
  readonly members: FlowFile[];
  size: number;
  /** First time this processor saw the bin's oldest member (epoch millis). */
  oldest: number;
  full: "MAX_ENTRIES_THRESHOLD_REACHED" | "MAX_BYTES_THRESHOLD_REACHED" | null;
}

/** Upper bound of FlowFiles held in bins (taken per trigger); see the description. */
const MAX_TAKE = 100_000;

const FRAGMENT_ATTRS = ["fragment.identifier", "fragment.index", "fragment.count"] as const;

function parseCount(v: string | undefined): number | null {
  if (v === undefined || !/^\d+$/.test(v.trim())) return null;
  return Number(v.trim());
}

export const MergeContent = defineProcessor({
  type: "MergeContent",
  summary: "Merges groups of FlowFiles into one: bin-packing by count, size and age, or defragmenting splits back into the original.",
  description: [
    "**Bin-Packing Algorithm** groups FlowFiles (by the Correlation Attribute when set) into bins. A bin is merged as soon as it is full (Maximum Number of Entries or Maximum Group Size reached) or holds at least Minimum Number of Entries and Minimum Group Size, when it is older than Max Bin Age, or — when no bin is ready and Maximum Number of Bins are open — the oldest bin is merged to make room. A FlowFile larger than Maximum Group Size is merged alone.",
    "",
    "**Defragment** rebuilds FlowFiles split by SplitText, SplitJson and the like from their `fragment.identifier`, `fragment.index` and `fragment.count` attributes; fragments are ordered by `fragment.index`. A FlowFile without valid fragment attributes, an incomplete group older than Max Bin Age, or a group with duplicate or too many fragments goes to failure.",
    "",
    "The merged content is Header, then each member's content separated by Demarcator, then Footer (Expression Language in them is evaluated against the bin's first FlowFile). The merged FlowFile has the members as parents (a JOIN provenance event).",
    "",
    "How bins are held: FlowFiles of a bin that is not ready yet are put back on the incoming connection (`transferBack`), so they stay durable in the FlowFile repository and count toward that connection's back pressure, and the processor yields for its yield duration before looking again (no penalty). Bin age is measured from when this processor first saw a FlowFile (kept in memory, so a restart starts the clock again). Up to 100,000 queued FlowFiles are binned per trigger. Consequence: a bin cannot hold more FlowFiles than the incoming connection's back-pressure threshold lets in (10,000 by default); raise that threshold for very large bins. Unlike NiFi, Maximum Number of Bins is not enforced in Defragment mode, since waiting fragments hold no memory.",
  ].join("\n"),
  tags: ["merge", "content", "concatenation", "defragment", "bin", "aggregation", "join"],
  input: "required",
  properties: {
    mergeStrategy: property.enum({
      displayName: "Merge Strategy",
      description: "How FlowFiles are grouped.",
      values: [
        { value: "Bin-Packing Algorithm", description: "Group by count, size and age (and the Correlation Attribute)." },
        { value: "Defragment", description: "Rebuild split FlowFiles from their fragment.* attributes." },
      ],
      default: "Bin-Packing Algorithm",
    }),
    mergeFormat: property.enum({
      displayName: "Merge Format",
      description: "How contents are combined.",
      values: [{ value: "Binary Concatenation", description: "Contents are concatenated, with the optional header, demarcator and footer." }],
      default: "Binary Concatenation",
    }),
    attributeStrategy: property.enum({
      displayName: "Attribute Strategy",
      description: "Which attributes the merged FlowFile gets.",
      values: [
        { value: "Keep Only Common Attributes", description: "Attributes every member has with the same value." },
        { value: "Keep All Unique Attributes", description: "Attributes whose value does not conflict between the members that have them." },
      ],
      default: "Keep Only Common Attributes",
    }),
    correlationAttribute: property.string({
      displayName: "Correlation Attribute Name",
      description: "Only FlowFiles with the same value of this attribute are merged together.",
      dependsOn: { property: "mergeStrategy", values: ["Bin-Packing Algorithm"] },
    }),
    minEntries: property.integer({
      displayName: "Minimum Number of Entries",
      description: "A bin is ready once it has at least this many FlowFiles (and the minimum size).",
      default: "1",
      min: 1,
      dependsOn: { property: "mergeStrategy", values: ["Bin-Packing Algorithm"] },
    }),
    maxEntries: property.integer({
      displayName: "Maximum Number of Entries",
      description: "A bin is full at this many FlowFiles.",
      default: "1000",
      min: 1,
      dependsOn: { property: "mergeStrategy", values: ["Bin-Packing Algorithm"] },
    }),
    minSize: property.dataSize({
      displayName: "Minimum Group Size",
      description: "A bin is ready once its contents add up to at least this size (and the minimum entries).",
      default: "0 B",
      dependsOn: { property: "mergeStrategy", values: ["Bin-Packing Algorithm"] },
    }),
    maxSize: property.dataSize({
      displayName: "Maximum Group Size",
      description: "A bin is full when the next FlowFile would take it over this size. Empty = no limit.",
      dependsOn: { property: "mergeStrategy", values: ["Bin-Packing Algorithm"] },
    }),
    maxBinAge: property.duration({
      displayName: "Max Bin Age",
      description: "A bin older than this is merged even if not full (Defragment: routed to failure). Empty = no limit.",
    }),
    maxBins: property.integer({
      displayName: "Maximum Number of Bins",
      description: "When this many bins are open and none is ready, the oldest is merged.",
      default: "5",
      min: 1,
      dependsOn: { property: "mergeStrategy", values: ["Bin-Packing Algorithm"] },
    }),
    delimiterStrategy: property.enum({
      displayName: "Delimiter Strategy",
      description: "Whether Header, Footer and Demarcator are used.",
      values: ["Do Not Use Delimiters", "Text"],
      default: "Do Not Use Delimiters",
    }),
    header: property.string({
      displayName: "Header",
      description: "Text at the start of the merged content.",
      expressionLanguage: "flowfile",
      dependsOn: { property: "delimiterStrategy", values: ["Text"] },
    }),
    footer: property.string({
      displayName: "Footer",
      description: "Text at the end of the merged content.",
      expressionLanguage: "flowfile",
      dependsOn: { property: "delimiterStrategy", values: ["Text"] },
    }),
    demarcator: property.string({
      displayName: "Demarcator",
      description: "Text between the contents of two members.",
      expressionLanguage: "flowfile",
      dependsOn: { property: "delimiterStrategy", values: ["Text"] },
    }),
  },
  relationships: {
    merged: relationship("The merged FlowFiles."),
    original: relationship("The members, after they were merged.", { autoTerminateByDefault: true }),
    failure: relationship("FlowFiles that could not be merged (Defragment problems, Expression Language errors); `merge.error` says why."),
  },
  readsAttributes: {
    "fragment.identifier": "Defragment: FlowFiles with the same value belong together.",
    "fragment.index": "Defragment: position of the fragment.",
    "fragment.count": "Defragment: number of fragments in the group.",
    "segment.original.filename": "Becomes the merged FlowFile's filename.",
  },
  writesAttributes: {
    filename: "segment.original.filename of the first member when present, else a timestamp.",
    "merge.count": "Number of FlowFiles merged.",
    "merge.bin.age": "Age of the bin in milliseconds when merged.",
    "merge.reason": "Why the bin was merged: MAX_ENTRIES_THRESHOLD_REACHED, MAX_BYTES_THRESHOLD_REACHED, MIN_THRESHOLD_REACHED, MAX_BIN_AGE_REACHED, BIN_MANAGER_FULL or DEFRAGMENTED.",
    "merge.uuid": "On each original: the uuid of the merged FlowFile.",
    "merge.error": "On failure: the reason.",
  },
  validate(config) {
    const out: Array<{ property: string; message: string }> = [];
    if (config.mergeStrategy === "Bin-Packing Algorithm") {
      if (config.minEntries !== undefined && config.maxEntries !== undefined && config.minEntries > config.maxEntries) {
        out.push({ property: "minEntries", message: "Minimum Number of Entries is larger than Maximum Number of Entries" });
      }
      if (config.minSize !== undefined && config.maxSize !== undefined && config.minSize > config.maxSize) {
        out.push({ property: "minSize", message: "Minimum Group Size is larger than Maximum Group Size" });
      }
    }
    return out;
  },
  onScheduled() {
    return { firstSeen: new Map<string, number>() };
  },
  onTrigger({ session, config, context, state }) {
    const defrag = config.mergeStrategy === "Defragment";
    const now = Date.now();
    // Bin-Packing properties (dependsOn mergeStrategy): undefined while defragmenting.
    const maxEntries = config.maxEntries ?? 1000;
    const maxBins = config.maxBins ?? 5;
    const limit = defrag ? MAX_TAKE : Math.min(MAX_TAKE, Math.max(context.batchSize, maxEntries * maxBins));
    const taken = session.get(limit);
    if (taken.length === 0) return;

    // Remember when each FlowFile was first seen, forgetting those no longer queued here.
    const seen = new Map<string, number>();
    for (const ff of taken) seen.set(ff.uuid, state.firstSeen.get(ff.uuid) ?? now);
    state.firstSeen = seen;
    const ageOf = (ff: FlowFile): number => seen.get(ff.uuid) ?? now;

    const fail = (ff: FlowFile, message: string): void => routeToFailure(session, context, ff, "merge.error", message);

    const ready: Array<{ bin: Bin; reason: string }> = [];
    const waiting: Bin[] = [];

    if (defrag) {
      const groups = new Map<string, Bin>();
      for (const ff of taken) {
        const missing = FRAGMENT_ATTRS.find((a) => ff.attributes[a] === undefined);
        if (missing) {
          fail(ff, `missing attribute ${missing}`);
          continue;
        }
        if (parseCount(ff.attributes["fragment.index"]) === null || (parseCount(ff.attributes["fragment.count"]) ?? 0) < 1) {
          fail(ff, "fragment.index and fragment.count must be whole numbers (fragment.count at least 1)");
          continue;
        }
        const key = ff.attributes["fragment.identifier"] as string;
        let bin = groups.get(key);
        if (!bin) {
          bin = { key, members: [], size: 0, oldest: ageOf(ff), full: null };
          groups.set(key, bin);
        }
        bin.members.push(ff);
        bin.size += ff.size;
        bin.oldest = Math.min(bin.oldest, ageOf(ff));
      }
      for (const bin of groups.values()) {
        const counts = new Set(bin.members.map((m) => m.attributes["fragment.count"]?.trim()));
        const expected = Number(bin.members[0]?.attributes["fragment.count"]);
        const indexes = new Set(bin.members.map((m) => Number(m.attributes["fragment.index"])));
        let problem: string | null = null;
        if (counts.size > 1) problem = `fragments of ${bin.key} disagree on fragment.count`;
        else if (indexes.size !== bin.members.length) problem = `fragments of ${bin.key} have duplicate fragment.index values`;
        else if (bin.members.length > expected) problem = `${bin.members.length} fragments of ${bin.key} but fragment.count is ${expected}`;
        else if (bin.members.length < expected && config.maxBinAge !== undefined && now - bin.oldest >= config.maxBinAge) {
          problem = `only ${bin.members.length} of ${expected} fragments of ${bin.key} arrived within Max Bin Age`;
        }
        if (problem) {
          for (const m of bin.members) fail(m, problem);
          continue;
        }
        if (bin.members.length === expected) {
          bin.members.sort((a, b) => Number(a.attributes["fragment.index"]) - Number(b.attributes["fragment.index"]));
          ready.push({ bin, reason: "DEFRAGMENTED" });
        } else waiting.push(bin);
      }
    } else {
      const open = new Map<string, Bin>();
      const bins: Bin[] = [];
      for (const ff of taken) {
        const key = config.correlationAttribute ? (ff.attributes[config.correlationAttribute] ?? "") : "";
        if (config.maxSize !== undefined && ff.size > config.maxSize) {
          bins.push({ key, members: [ff], size: ff.size, oldest: ageOf(ff), full: "MAX_BYTES_THRESHOLD_REACHED" });
          continue;
        }
        let bin = open.get(key);
        if (bin && config.maxSize !== undefined && bin.size + ff.size > config.maxSize) {
          bin.full = "MAX_BYTES_THRESHOLD_REACHED";
          bin = undefined;
        }
        if (!bin) {
          bin = { key, members: [], size: 0, oldest: ageOf(ff), full: null };
          open.set(key, bin);
          bins.push(bin);
        }
        bin.members.push(ff);
        bin.size += ff.size;
        bin.oldest = Math.min(bin.oldest, ageOf(ff));
        if (bin.members.length >= maxEntries) {
          bin.full = "MAX_ENTRIES_THRESHOLD_REACHED";
          open.delete(key);
        } else if (config.maxSize !== undefined && bin.size >= config.maxSize) {
          bin.full = "MAX_BYTES_THRESHOLD_REACHED";
          open.delete(key);
        }
      }
      for (const bin of bins) {
        if (bin.full) ready.push({ bin, reason: bin.full });
        else if (bin.members.length >= (config.minEntries ?? 1) && bin.size >= (config.minSize ?? 0)) ready.push({ bin, reason: "MIN_THRESHOLD_REACHED" });
        else if (config.maxBinAge !== undefined && now - bin.oldest >= config.maxBinAge) ready.push({ bin, reason: "MAX_BIN_AGE_REACHED" });
        else waiting.push(bin);
      }
      if (ready.length === 0 && waiting.length >= maxBins) {
        waiting.sort((a, b) => a.oldest - b.oldest);
        ready.push({ bin: waiting.shift() as Bin, reason: "BIN_MANAGER_FULL" });
      }
    }

    for (const { bin, reason } of ready) emit(session, context, config, bin, reason, now);
    for (const bin of waiting) for (const m of bin.members) session.transferBack(m);
    // Waiting bins are re-examined after the yield. A full take that completed a bin means more
    // input is queued right now, so go on; a full take that completed nothing must still yield,
    // or the processor would spin through a queue of incomplete bins.
    if (waiting.length > 0 && (taken.length < limit || ready.length === 0)) context.yield();
  },
});

type MergeConfig = Parameters<(typeof MergeContent)["onTrigger"]>[0]["config"];

/** Merges one bin: the merged FlowFile to `merged`, members (with merge.uuid) to `original`. */
function emit(session: ProcessSession<Rel>, context: ProcessorContext, config: MergeConfig, bin: Bin, reason: string, now: number): void {
  const first = bin.members[0] as FlowFile;
  let header: string;
  let footer: string;
  let demarcator: string;
  try {
    header = config.header?.evaluate(first) ?? "";
    footer = config.footer?.evaluate(first) ?? "";
    demarcator = config.demarcator?.evaluate(first) ?? "";
  } catch (e) {
    for (const m of bin.members) routeToFailure(session, context, m, "merge.error", (e as Error).message);
    return;
  }
  const parts: Buffer[] = [];
  if (header) parts.push(Buffer.from(header));
  const sep = demarcator ? Buffer.from(demarcator) : null;
  bin.members.forEach((m, i) => {
    if (i > 0 && sep) parts.push(sep);
    parts.push(session.read(m));
  });
  if (footer) parts.push(Buffer.from(footer));

  let merged = session.create(bin.members);
  const attrs: Record<string, string> = {};
  if (config.attributeStrategy === "Keep All Unique Attributes") {
    const conflicting = new Set<string>();
    for (const m of bin.members) {
      for (const [k, v] of Object.entries(m.attributes)) {
        if (k === "uuid" || conflicting.has(k)) continue;
        if (attrs[k] !== undefined && attrs[k] !== v) {
          conflicting.add(k);
          delete attrs[k];
        } else attrs[k] = v;
      }
    }
  } else if (bin.members.length === 1) {
    Object.assign(attrs, first.attributes);
  }
  delete attrs.uuid;
  attrs.filename = first.attributes["segment.original.filename"] ?? String(process.hrtime.bigint());
  attrs["merge.count"] = String(bin.members.length);
  attrs["merge.bin.age"] = String(Math.max(0, now - bin.oldest));
  attrs["merge.reason"] = reason;
  merged = session.putAllAttributes(merged, attrs);
  const content = Buffer.concat(parts);
  if (content.length) merged = session.write(merged, content);
  session.transfer(merged, "merged");
  for (const m of bin.members) session.transfer(session.putAttribute(m, "merge.uuid", merged.uuid), "original");
}
