import fs from "node:fs";
import path from "node:path";
import { defineProcessor, property, relationship } from "../engine/sdk";
import { compileJavaRegex, regexProblem } from "./lib/regex";

/** What has been listed, persisted in the processor's state directory. */
interface ListingState {
  /** Tracking Timestamps: newest modification time listed, and the files listed with it. */
  latest: number;
  latestFiles: string[];
  /** Tracking Entities: file → modification time and size when listed. */
  entities: Record<string, [number, number]>;
}

interface Candidate {
  file: string;
  stat: fs.Stats;
}

const EMPTY_STATE: ListingState = { latest: -1, latestFiles: [], entities: {} };

function loadState(file: string): ListingState {
  try {
    const s = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<ListingState>;
    return { latest: s.latest ?? -1, latestFiles: s.latestFiles ?? [], entities: s.entities ?? {} };
  } catch {
    return { ...EMPTY_STATE, latestFiles: [], entities: {} };
  }
}

function saveState(file: string, s: ListingState): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(s));
  fs.renameSync(tmp, file);
}

/** "rwxr-x---" from a mode, as NiFi's file.permissions. */
function permissions(mode: number): string {
  const bits = "rwxrwxrwx";
  let out = "";
  for (let i = 0; i < 9; i++) out += mode & (1 << (8 - i)) ? bits[i] : "-";
  return out;
}

/** Upper bound of files emitted per trigger; the rest follow on the next triggers. */
const MAX_PER_TRIGGER = 10_000;

export const ListFile = defineProcessor({
  type: "ListFile",
  summary: "Lists the files in a directory, emitting one attributes-only FlowFile per new or changed file.",
  description: [
    "Pair it with FetchFile, which reads the content (`${absolute.path}/${filename}`). Unlike GetFile it never deletes or reads files, and remembers what it listed so each file is listed once.",
    "",
    "Listing Strategy **Tracking Timestamps** remembers the newest modification time listed (and the files with exactly that time): a file is listed when it is newer. It keeps little state, but misses files that appear with an older modification time (e.g. copied with preserved times). **Tracking Entities** remembers every listed file with its modification time and size and lists files that are new or changed; state grows with the number of files. **No Tracking** lists everything every time.",
    "",
    "State is kept in the processor's state directory and saved only after the session holding the listed FlowFiles is durable, so a crash can repeat a listing but never skip one. Files are emitted oldest first, up to 10,000 per run.",
    "",
    "The Input Directory must be inside SLUICE_FILE_ROOTS after resolving symlinks, or the processor is invalid. Symbolic links below it are not followed.",
  ].join("\n"),
  tags: ["file", "list", "filesystem", "source", "ingest", "state"],
  restricted: {
    kinds: ["read-files"],
    explanation: "Lists the names, sizes, owners and times of the files below its Input Directory, within SLUICE_FILE_ROOTS.",
  },
  input: "forbidden",
  properties: {
    inputDirectory: property.string({ displayName: "Input Directory", description: "Directory to list; inside SLUICE_FILE_ROOTS.", required: true }),
    listingStrategy: property.enum({
      displayName: "Listing Strategy",
      description: "How already-listed files are remembered.",
      values: ["Tracking Timestamps", "Tracking Entities", "No Tracking"],
      default: "Tracking Timestamps",
    }),
    recurse: property.boolean({ displayName: "Recurse Subdirectories", description: "Also list files in subdirectories.", default: "true" }),
    fileFilter: property.string({ displayName: "File Filter", description: "Regular expression file names must match.", default: "[^\\.].*" }),
    pathFilter: property.string({
      displayName: "Path Filter",
      description: "When recursing, regular expression the subdirectory path (relative, without a trailing /) must match.",
    }),
    includeFileAttributes: property.boolean({
      displayName: "Include File Attributes",
      description: "Add owner, group, permissions and times as attributes.",
      default: "true",
    }),
    minimumFileAge: property.duration({ displayName: "Minimum File Age", description: "Skip files modified more recently than this.", default: "0 sec" }),
    maximumFileAge: property.duration({ displayName: "Maximum File Age", description: "Skip files modified longer ago than this. Empty = no limit." }),
    minimumFileSize: property.dataSize({ displayName: "Minimum File Size", description: "Skip smaller files.", default: "0 B" }),
    maximumFileSize: property.dataSize({ displayName: "Maximum File Size", description: "Skip larger files. Empty = no limit." }),
    ignoreHiddenFiles: property.boolean({ displayName: "Ignore Hidden Files", description: "Skip names starting with a dot.", default: "true" }),
  },
  relationships: { success: relationship("One attributes-only FlowFile per listed file.") },
  writesAttributes: {
    filename: "The file's name.",
    path: "Directory relative to the input directory (./ at the top).",
    "absolute.path": "Absolute directory of the file, ending with /.",
    "file.size": "Size in bytes.",
    "file.lastModifiedTime": "Modification time, ISO 8601.",
    "file.lastAccessTime": "Access time, ISO 8601 (Include File Attributes).",
    "file.creationTime": "Creation (birth) time, ISO 8601 (Include File Attributes).",
    "file.owner": "Numeric owner id (Include File Attributes).",
    "file.group": "Numeric group id (Include File Attributes).",
    "file.permissions": "Permissions such as rw-r--r-- (Include File Attributes).",
  },
  defaultSchedule: { runSchedule: "1 min" },
  validate(config, _raw, { fileRoots }) {
    const out: Array<{ property: string; message: string }> = [];
    const outside = fileRoots.problem(config.inputDirectory);
    if (outside) out.push({ property: "inputDirectory", message: outside });
    const f = regexProblem(config.fileFilter, "full");
    if (f) out.push({ property: "fileFilter", message: f });
    if (config.pathFilter !== undefined) {
      const p = regexProblem(config.pathFilter, "full");
      if (p) out.push({ property: "pathFilter", message: p });
    }
    return out;
  },
  onScheduled({ config, context }) {
    const dir = context.fileRoots.resolve(config.inputDirectory);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`input directory ${dir} does not exist`);
    const stateFile = path.join(context.stateDir, "listing.json");
    const persisted = loadState(stateFile);
    // State moves ahead optimistically (so the next run does not list the same files while the
    // commit is pending) and falls back to the persisted state when a commit fails.
    return {
      dir,
      stateFile,
      persisted,
      current: structuredClone(persisted),
      fileFilter: compileJavaRegex(config.fileFilter, "full"),
      pathFilter: config.pathFilter !== undefined ? compileJavaRegex(config.pathFilter, "full") : null,
    };
  },
  onTrigger({ session, config, context, state }) {
    const now = Date.now();
    const found: Candidate[] = [];
    const walk = (d: string): void => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(d, { withFileTypes: true });
      } catch (e) {
        context.logger.warn(`could not list ${d}: ${(e as Error).message}`);
        return;
      }
      for (const e of entries) {
        if (config.ignoreHiddenFiles && e.name.startsWith(".")) continue;
        const full = path.join(d, e.name);
        if (e.isDirectory()) {
          if (!config.recurse) continue;
          if (state.pathFilter && !state.pathFilter.test(path.relative(state.dir, full))) continue;
          walk(full);
          continue;
        }
        if (!e.isFile() || !state.fileFilter.test(e.name)) continue;
        let stat: fs.Stats;
        try {
          stat = fs.statSync(full);
        } catch {
          continue;
        }
        // Whole milliseconds on both sides: a file written in the trigger's own millisecond
        // has a fractional mtime just above `now`, and must not count as "from the future".
        const age = now - Math.floor(stat.mtimeMs);
        if (age < config.minimumFileAge) continue;
        if (config.maximumFileAge !== undefined && age > config.maximumFileAge) continue;
        if (stat.size < config.minimumFileSize) continue;
        if (config.maximumFileSize !== undefined && stat.size > config.maximumFileSize) continue;
        found.push({ file: full, stat });
      }
    };
    walk(state.dir);
    found.sort((a, b) => Math.floor(a.stat.mtimeMs) - Math.floor(b.stat.mtimeMs) || (a.file < b.file ? -1 : 1));

    const cur = state.current;
    const strategy = config.listingStrategy;
    const latestSet = new Set(cur.latestFiles);
    let fresh = found.filter(({ file, stat }) => {
      const mtime = Math.floor(stat.mtimeMs);
      if (strategy === "Tracking Timestamps") return mtime > cur.latest || (mtime === cur.latest && !latestSet.has(file));
      if (strategy === "Tracking Entities") {
        const seen = cur.entities[file];
        return !seen || seen[0] !== mtime || seen[1] !== stat.size;
      }
      return true;
    });
    if (strategy === "Tracking Entities") {
      // Forget files that are gone, so state does not grow without bound.
      const present = new Set(found.map((f) => f.file));
      for (const k of Object.keys(cur.entities)) if (!present.has(k)) delete cur.entities[k];
    }
    if (fresh.length === 0) {
      context.yield();
      return;
    }
    // Bounded by the room left before back pressure too; the rest (newer files, as `fresh` is
    // in modification order) is listed by a later trigger, which the state allows for.
    const room = Math.min(MAX_PER_TRIGGER, context.freeRoom("success"));
    if (room <= 0) {
      context.yield();
      return;
    }
    fresh = fresh.slice(0, room);

    for (const { file, stat } of fresh) {
      const rel = path.relative(state.dir, path.dirname(file));
      const attrs: Record<string, string> = {
        filename: path.basename(file),
        path: rel === "" ? "./" : `${rel}/`,
        "absolute.path": `${path.dirname(file)}/`,
        "file.size": String(stat.size),
        "file.lastModifiedTime": new Date(stat.mtimeMs).toISOString(),
      };
      if (config.includeFileAttributes) {
        attrs["file.lastAccessTime"] = new Date(stat.atimeMs).toISOString();
        attrs["file.creationTime"] = new Date(stat.birthtimeMs || stat.ctimeMs).toISOString();
        attrs["file.owner"] = String(stat.uid);
        attrs["file.group"] = String(stat.gid);
        attrs["file.permissions"] = permissions(stat.mode);
      }
      const ff = session.putAllAttributes(session.create(), attrs);
      session.provenance.create(ff, `listed file://${file}`);
      session.transfer(ff, "success");

      const mtime = Math.floor(stat.mtimeMs);
      if (strategy === "Tracking Timestamps") {
        if (mtime > cur.latest) {
          cur.latest = mtime;
          cur.latestFiles = [file];
        } else if (mtime === cur.latest) cur.latestFiles.push(file);
      } else if (strategy === "Tracking Entities") cur.entities[file] = [mtime, stat.size];
    }
    if (strategy === "No Tracking") return;
    const snapshot = structuredClone(cur);
    session.onCommitted(() => {
      saveState(state.stateFile, snapshot);
      state.persisted = snapshot;
    });
    session.onFailure(() => {
      state.current = structuredClone(state.persisted);
    });
  },
});
