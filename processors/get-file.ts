import fs from "node:fs";
import path from "node:path";
import { defineProcessor, property, relationship } from "../engine/sdk";
import { compileJavaRegex, regexProblem, type SafeRegex } from "./lib/regex";

/** Lists candidate files under `dir` (optionally recursing), oldest modification first. */
function listFiles(dir: string, recurse: boolean, filter: SafeRegex, ignoreHidden: boolean, minAgeMs: number, limit: number, skip: ReadonlySet<string>): Array<{ file: string; stat: fs.Stats }> {
  const out: Array<{ file: string; stat: fs.Stats }> = [];
  const now = Date.now();
  const walk = (d: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (out.length >= limit * 4) return;
      if (ignoreHidden && e.name.startsWith(".")) continue;
      const full = path.join(d, e.name);
      if (e.isDirectory()) {
        if (recurse) walk(full);
        continue;
      }
      if (!e.isFile() || !filter.test(e.name) || skip.has(full)) continue;
      let stat: fs.Stats;
      try {
        stat = fs.statSync(full);
      } catch {
        continue;
      }
      if (now - Math.floor(stat.mtimeMs) < minAgeMs) continue;
      out.push({ file: full, stat });
    }
  };
  walk(dir);
  out.sort((a, b) => a.stat.mtimeMs - b.stat.mtimeMs || (a.file < b.file ? -1 : 1));
  return out.slice(0, limit);
}

export const GetFile = defineProcessor({
  type: "GetFile",
  summary: "Picks up files from a directory, one FlowFile per file, and deletes them once safely stored.",
  description:
    "Source files are deleted only after the session holding them is durable (onCommitted), so a crash never loses a file: at worst it is picked up twice. Files in flight are remembered so they are not read twice while waiting for the commit.\n\nThe Input Directory must be inside SLUICE_FILE_ROOTS after resolving symlinks, or the processor is invalid. Symbolic links below it are not followed.",
  tags: ["local", "files", "filesystem", "ingest", "source", "get"],
  restricted: {
    kinds: ["read-files", "delete-files"],
    explanation: "Reads every file below its Input Directory and deletes each one once it is stored (unless Keep Source File), within SLUICE_FILE_ROOTS.",
  },
  input: "forbidden",
  properties: {
    inputDirectory: property.string({ displayName: "Input Directory", description: "Directory to pick files up from; inside SLUICE_FILE_ROOTS.", required: true }),
    fileFilter: property.string({ displayName: "File Filter", description: "Regular expression file names must match.", default: "[^\\.].*" }),
    recurse: property.boolean({ displayName: "Recurse Subdirectories", description: "Also pick up files in subdirectories.", default: "true" }),
    keepSourceFile: property.boolean({ displayName: "Keep Source File", description: "Leave files in place (they will be picked up again on every run).", default: "false" }),
    ignoreHiddenFiles: property.boolean({ displayName: "Ignore Hidden Files", description: "Skip names starting with a dot.", default: "true" }),
    minimumFileAge: property.duration({ displayName: "Minimum File Age", description: "Skip files modified more recently than this (still being written).", default: "0 sec" }),
    batchSize: property.integer({ displayName: "Batch Size", description: "Files picked up per trigger.", default: "100", min: 1, max: 100_000 }),
  },
  relationships: { success: relationship("One FlowFile per file picked up.") },
  writesAttributes: {
    filename: "The file's name.",
    path: "Directory relative to the input directory (./ at the top).",
    "absolute.path": "Absolute directory of the file.",
    "file.size": "Size in bytes.",
    "file.lastModifiedTime": "Modification time, ISO 8601.",
  },
  validate(config, _raw, { fileRoots }) {
    const out: Array<{ property: string; message: string }> = [];
    const outside = fileRoots.problem(config.inputDirectory);
    if (outside) out.push({ property: "inputDirectory", message: outside });
    const p = regexProblem(config.fileFilter, "full");
    if (p) out.push({ property: "fileFilter", message: p });
    return out;
  },
  onScheduled({ config, context }) {
    const dir = context.fileRoots.resolve(config.inputDirectory);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`input directory ${dir} does not exist`);
    return { dir, filter: compileJavaRegex(config.fileFilter, "full"), inFlight: new Set<string>() };
  },
  onTrigger({ session, context, config, state }) {
    // Bounded by the room left before back pressure, so a batch does not overshoot the threshold.
    const max = Math.min(config.batchSize, context.freeRoom("success"));
    if (max <= 0) {
      context.yield();
      return;
    }
    const files = listFiles(state.dir, config.recurse, state.filter, config.ignoreHiddenFiles, config.minimumFileAge, max, state.inFlight);
    if (files.length === 0) {
      context.yield();
      return;
    }
    const taken: string[] = [];
    for (const { file, stat } of files) {
      let data: Buffer;
      try {
        data = fs.readFileSync(file);
      } catch (e) {
        context.logger.warn(`could not read ${file}: ${(e as Error).message}`);
        continue;
      }
      let ff = session.create();
      const rel = path.relative(state.dir, path.dirname(file));
      ff = session.putAllAttributes(ff, {
        filename: path.basename(file),
        path: rel === "" ? "./" : `${rel}/`,
        "absolute.path": `${path.dirname(file)}/`,
        "file.size": String(stat.size),
        "file.lastModifiedTime": new Date(stat.mtimeMs).toISOString(),
      });
      if (data.length) ff = session.write(ff, data);
      session.provenance.receive(ff, `file://${file}`);
      session.transfer(ff, "success");
      taken.push(file);
      state.inFlight.add(file);
    }
    session.onCommitted(() => {
      for (const f of taken) {
        if (!config.keepSourceFile) fs.rmSync(f, { force: true });
        state.inFlight.delete(f);
      }
    });
    session.onFailure(() => {
      for (const f of taken) state.inFlight.delete(f);
    });
  },
});
