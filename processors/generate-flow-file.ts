import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { defineProcessor, property, relationship } from "../engine/sdk";

/** Persisted progress toward "Total Count", so a restart does not start over. */
function readEmitted(file: string): number {
  try {
    return Number(JSON.parse(fs.readFileSync(file, "utf8")).emitted) || 0;
  } catch {
    return 0;
  }
}

export const GenerateFlowFile = defineProcessor({
  type: "GenerateFlowFile",
  summary: "Creates FlowFiles with random or custom content; for testing and load generation.",
  description:
    "Each trigger creates `batchSize` FlowFiles. With `customText` the content is that text (Expression Language, evaluated once per FlowFile); otherwise `fileSize` bytes of random or repeated data. Dynamic properties become attributes. With `totalCount` the processor stops producing after that many FlowFiles in total, remembered across restarts.",
  tags: ["test", "load", "random", "generate", "source"],
  input: "forbidden",
  properties: {
    fileSize: property.dataSize({ displayName: "File Size", description: "Size of each FlowFile's content when no custom text is set.", default: "0 B" }),
    batchSize: property.integer({ displayName: "Batch Size", description: "FlowFiles created per trigger.", default: "1", min: 1, max: 100_000 }),
    dataFormat: property.enum({
      displayName: "Data Format",
      description: "Random bytes, or printable text.",
      values: ["Text", "Binary"],
      default: "Text",
    }),
    uniqueFlowFiles: property.boolean({
      displayName: "Unique FlowFiles",
      description: "Whether each FlowFile gets freshly generated random content (slower) or all share one.",
      default: "false",
    }),
    customText: property.string({
      displayName: "Custom Text",
      description: "Content of each FlowFile; Expression Language is evaluated per FlowFile.",
      expressionLanguage: "flowfile",
    }),
    mimeType: property.string({ displayName: "Mime Type", description: "Sets the mime.type attribute.", default: "text/plain" }),
    totalCount: property.integer({
      displayName: "Total Count",
      description: "Stop after creating this many FlowFiles in total (across restarts). Empty = unlimited.",
      min: 1,
    }),
  },
  relationships: { success: relationship("Every FlowFile created.") },
  dynamicProperties: { description: "Each one becomes an attribute; its value may use Expression Language." },
  writesAttributes: { "mime.type": "From the Mime Type property." },
  defaultSchedule: { runSchedule: "1 min" },
  onScheduled({ config, context }) {
    const stateFile = path.join(context.stateDir, "generate.json");
    const shared =
      config.dataFormat === "Binary" ? randomBytes(config.fileSize) : Buffer.from(randomBytes(config.fileSize).toString("base64").slice(0, config.fileSize));
    return { stateFile, emitted: config.totalCount ? readEmitted(stateFile) : 0, shared };
  },
  onTrigger({ config, context, session, state }) {
    // Never more than the connection takes before back pressure: a batch of 1,000 into a
    // connection with room for 10 would overshoot its threshold by 990.
    let n = Math.min(config.batchSize, context.freeRoom("success"));
    if (config.totalCount !== undefined) n = Math.min(n, config.totalCount - state.emitted);
    if (n <= 0) {
      context.yield();
      return;
    }
    for (let i = 0; i < n; i++) {
      let ff = session.create();
      const attrs: Record<string, string> = { "mime.type": config.mimeType };
      for (const d of context.dynamicProperties) attrs[d.name] = d.evaluate(ff);
      ff = session.putAllAttributes(ff, attrs);
      let content: Buffer | string;
      if (config.customText !== undefined) content = config.customText.evaluate(ff);
      else if (config.uniqueFlowFiles) {
        content = config.dataFormat === "Binary" ? randomBytes(config.fileSize) : randomBytes(config.fileSize).toString("base64").slice(0, config.fileSize);
      } else content = state.shared;
      if (content.length > 0) ff = session.write(ff, content);
      session.transfer(ff, "success");
    }
    if (config.totalCount !== undefined) {
      state.emitted += n;
      const emitted = state.emitted;
      // A session that rolls back (a handover the cluster refused) made nothing: its share of
      // the count is given back, or Total Count would come up short.
      session.onFailure(() => {
        state.emitted -= n;
      });
      session.onCommitted(() => {
        fs.mkdirSync(path.dirname(state.stateFile), { recursive: true });
        fs.writeFileSync(state.stateFile, JSON.stringify({ emitted }));
      });
    }
  },
});
