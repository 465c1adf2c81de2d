import { randomUUID } from "node:crypto";
import { defineProcessor, property, relationship } from "../engine/sdk";
import { lineOffsets } from "./lib/text";
import { routeToFailure } from "./lib/failure-log";

interface Span {
  start: number;
  end: number;
  contentEnd: number;
}

export const SplitText = defineProcessor({
  type: "SplitText",
  summary: "Splits a text FlowFile into FlowFiles of at most N lines (and/or a maximum size), each with an optional header.",
  description:
    "Lines end with `\\n`, `\\r\\n` or `\\r`. The first Header Line Count lines (or the leading lines that start with Header Line Marker Characters) are copied to the top of every split. A split ends after Line Split Count lines or before its size would exceed Maximum Fragment Size, whichever comes first; a single line larger than the maximum becomes its own split. Splits carry `fragment.*` attributes so MergeContent's Defragment strategy can rebuild the original. `fragment.index` starts at 1, as in NiFi.",
  tags: ["split", "text", "lines", "fragment"],
  input: "required",
  properties: {
    lineSplitCount: property.integer({
      displayName: "Line Split Count",
      description: "Lines (not counting the header) per split; 0 = split by Maximum Fragment Size only.",
      required: true,
      min: 0,
    }),
    maxFragmentSize: property.dataSize({
      displayName: "Maximum Fragment Size",
      description: "Largest size of a split in bytes, header included. Empty = no limit.",
    }),
    headerLineCount: property.integer({ displayName: "Header Line Count", description: "Number of lines at the top that form the header.", default: "0", min: 0 }),
    headerMarker: property.string({
      displayName: "Header Line Marker Characters",
      description: "Leading lines that start with these characters form the header (instead of a fixed count).",
    }),
    removeTrailingNewlines: property.boolean({
      displayName: "Remove Trailing Newlines",
      description: "Remove line endings at the end of each split, and drop splits made only of empty lines. Set to false when the splits will be merged back.",
      default: "true",
    }),
  },
  relationships: {
    splits: relationship("The splits."),
    original: relationship("The input FlowFile, after a successful split.", { autoTerminateByDefault: true }),
    failure: relationship("Input that could not be split (e.g. fewer lines than the header needs)."),
  },
  readsAttributes: { filename: "Copied to `segment.original.filename`." },
  writesAttributes: {
    "text.line.count": "Number of lines in the split, header excluded.",
    "fragment.size": "Size of the split in bytes.",
    "fragment.identifier": "The same random id on every split of one input.",
    "fragment.index": "1-based position of the split.",
    "fragment.count": "Number of splits of the input.",
    "segment.original.filename": "The input's filename.",
    "splittext.error": "On failure: the reason.",
  },
  validate(config) {
    if (config.lineSplitCount === 0 && config.maxFragmentSize === undefined) {
      return [{ property: "lineSplitCount", message: "Line Split Count may be 0 only when Maximum Fragment Size is set" }];
    }
    if (config.headerLineCount > 0 && config.headerMarker) {
      return [{ property: "headerMarker", message: "set either Header Line Count or Header Line Marker Characters, not both" }];
    }
    return [];
  },
  onTrigger({ session, config, context }) {
    const markerBytes = config.headerMarker ? Buffer.from(config.headerMarker) : null;
    for (const original of session.getBatch()) {
      const ff = original;
      const buf = session.read(ff);
      const lines: Span[] = lineOffsets(buf);
      let headerLines = config.headerLineCount;
      if (markerBytes) {
        headerLines = 0;
        while (headerLines < lines.length) {
          const l = lines[headerLines] as Span;
          if (!buf.subarray(l.start, l.start + markerBytes.length).equals(markerBytes)) break;
          headerLines++;
        }
      }
      if (headerLines > lines.length) {
        routeToFailure(session, context, ff, "splittext.error", `header needs ${headerLines} lines but the content has ${lines.length}`);
        continue;
      }
      const headerEnd = headerLines > 0 ? (lines[headerLines - 1] as Span).end : 0;
      const header = buf.subarray(0, headerEnd);
      if (config.maxFragmentSize !== undefined && header.length > config.maxFragmentSize) {
        routeToFailure(session, context, ff, "splittext.error", `header of ${header.length} bytes exceeds Maximum Fragment Size`);
        continue;
      }

      // Group body lines into splits.
      const groups: Span[][] = [];
      let cur: Span[] = [];
      let curSize = header.length;
      for (let i = headerLines; i < lines.length; i++) {
        const l = lines[i] as Span;
        const len = l.end - l.start;
        const full =
          (config.lineSplitCount > 0 && cur.length >= config.lineSplitCount) ||
          (config.maxFragmentSize !== undefined && cur.length > 0 && curSize + len > config.maxFragmentSize);
        if (full) {
          groups.push(cur);
          cur = [];
          curSize = header.length;
        }
        cur.push(l);
        curSize += len;
      }
      if (cur.length) groups.push(cur);

      const contents: Array<{ data: Buffer; lines: number }> = [];
      for (const g of groups) {
        const first = g[0] as Span;
        const last = g[g.length - 1] as Span;
        let bodyEnd = last.end;
        if (config.removeTrailingNewlines) {
          // Drop trailing empty lines and the final line ending; skip splits with nothing else.
          let k = g.length - 1;
          while (k >= 0 && (g[k] as Span).contentEnd === (g[k] as Span).start) k--;
          if (k < 0) continue;
          bodyEnd = (g[k] as Span).contentEnd;
        }
        const body = buf.subarray(first.start, bodyEnd);
        contents.push({ data: header.length ? Buffer.concat([header, body]) : body, lines: g.length });
      }

      const id = randomUUID();
      const parentName = ff.attributes.filename ?? ff.uuid;
      contents.forEach((c, i) => {
        let split = session.create(ff);
        split = session.putAllAttributes(split, {
          "text.line.count": String(c.lines),
          "fragment.size": String(c.data.length),
          "fragment.identifier": id,
          "fragment.index": String(i + 1),
          "fragment.count": String(contents.length),
          "segment.original.filename": parentName,
        });
        if (c.data.length) split = session.write(split, c.data);
        session.transfer(split, "splits");
      });
      session.transfer(ff, "original");
    }
  },
});
