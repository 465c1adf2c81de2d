import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { defineProcessor, property, relationship } from "../engine/sdk";

/**
 * Persisted progress toward "Total Count", so a restart does not start over: one JSON line
 * (`{"emitted":n}`), padded with spaces to STATE_BYTES and rewritten in place by each commit.
 * Why in place, on a descriptor kept open while the processor is scheduled: rewriting the file
 * (open with truncation, write, close) cost ~0.25-0.6 ms per commit here, about a fifth of a
 * fast GenerateFlowFile → UpdateAttribute → sink run, and a kill -9 between its truncation and
 * its write left an empty file, from which the count started over at 0. One positional write
 * of a fixed length never leaves the file empty or shorter.
 */
const STATE_BYTES = 64;

/** The count in `file`: its first line's `emitted` (files of older versions are that line alone); 0 when absent or unreadable. */
function readEmitted(file: string): number {
  try {
    return Number(JSON.parse(fs.readFileSync(file, "utf8").split("\n", 1)[0]!).emitted) || 0;
  } catch {
    return 0;
  }
}

/** Where the count goes: its file, and the descriptor open on it while the processor is scheduled. */
interface StateFile {
  readonly file: string;
  fd: number | null;
  stopped: boolean;
}

/**
 * Writes the count as the file's record. The file is opened by the first commit (so no empty
 * file appears before one: the cluster mirrors a primary-only processor's state files) and
 * stays open until onStopped; a commit that lands after it (none should) opens and closes it.
 * A longer file (an older version's, or one a crash left between the record and the cut
 * below) is cut to the record after it is written.
 */
function saveEmitted(state: StateFile, emitted: number): void {
  const record = `${JSON.stringify({ emitted })}\n`.padEnd(STATE_BYTES);
  if (state.fd !== null) {
    fs.writeSync(state.fd, record, 0);
    return;
  }
  fs.mkdirSync(path.dirname(state.file), { recursive: true });
  const fd = fs.openSync(state.file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
  try {
    fs.writeSync(fd, record, 0);
    if (fs.fstatSync(fd).size > STATE_BYTES) fs.ftruncateSync(fd, STATE_BYTES);
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
  if (state.stopped) fs.closeSync(fd);
  else state.fd = fd;
}

function closeState(state: StateFile): void {
  state.stopped = true;
  if (state.fd === null) return;
  fs.closeSync(state.fd);
  state.fd = null;
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
    const file = path.join(context.stateDir, "generate.json");
    const shared =
      config.dataFormat === "Binary" ? randomBytes(config.fileSize) : Buffer.from(randomBytes(config.fileSize).toString("base64").slice(0, config.fileSize));
    const saved: StateFile = { file, fd: null, stopped: false };
    return { saved, emitted: config.totalCount ? readEmitted(file) : 0, shared };
  },
  onStopped({ state }) {
    if (state) closeState(state.saved);
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
      session.onCommitted(() => saveEmitted(state.saved, emitted));
    }
  },
});
