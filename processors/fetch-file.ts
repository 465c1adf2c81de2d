import fs from "node:fs";
import path from "node:path";
import { defineProcessor, property, relationship, type FlowFile } from "../engine/sdk";
import { logFailure } from "./lib/failure-log";

type Outcome = "success" | "not.found" | "permission.denied" | "failure";

/** Where a file would be moved to under a conflict strategy; null = do not move (keep existing). */
function moveTarget(dir: string, name: string, conflict: string): string | null {
  const target = path.join(dir, name);
  if (!fs.existsSync(target)) return target;
  switch (conflict) {
    case "Replace File":
      return target;
    case "Keep Existing":
      return null;
    case "Rename": {
      const ext = path.extname(name);
      const base = name.slice(0, name.length - ext.length);
      for (let i = 1; ; i++) {
        const candidate = path.join(dir, `${base}-${i}${ext}`);
        if (!fs.existsSync(candidate)) return candidate;
      }
    }
    default:
      throw new Error(`a file named ${name} already exists in ${dir}`);
  }
}

export const FetchFile = defineProcessor({
  type: "FetchFile",
  summary: "Reads the content of a local file into the FlowFile (typically after ListFile).",
  description: [
    "The file to read is `${absolute.path}/${filename}` by default. The content replaces the FlowFile's content and a FETCH provenance event is recorded.",
    "",
    "The Completion Strategy (move or delete the source file) runs only after the session is durable (onCommitted), so a crash never loses data: at worst a file is fetched twice. With Move File, a conflict in the destination is resolved per Move Conflict Strategy; Fail is checked before fetching and routes to failure.",
    "",
    "The file and the Move Destination Directory must be inside SLUICE_FILE_ROOTS after resolving symlinks (a link is followed, and its target must be inside): a literal path outside them makes the processor invalid, and one that Expression Language puts outside them sends the FlowFile to `failure`. The file is read, moved or deleted at its resolved path.",
    "",
    "A missing file goes to `not.found`, an unreadable one to `permission.denied`, anything else (a directory, a path outside SLUICE_FILE_ROOTS, an Expression Language error) to `failure`, each with `fetchfile.error`.",
  ].join("\n"),
  tags: ["local", "files", "filesystem", "fetch", "ingest", "source"],
  restricted: {
    kinds: ["read-files", "write-files", "delete-files"],
    explanation: "Reads any file named by File to Fetch, and with its Completion Strategy moves (writing into the Move Destination Directory) or deletes it, within SLUICE_FILE_ROOTS.",
  },
  input: "required",
  properties: {
    fileToFetch: property.string({
      displayName: "File to Fetch",
      description: "Full path of the file to read (Expression Language); inside SLUICE_FILE_ROOTS.",
      default: "${absolute.path}/${filename}",
      expressionLanguage: "flowfile",
    }),
    completionStrategy: property.enum({
      displayName: "Completion Strategy",
      description: "What to do with the source file once its content is safely stored.",
      values: [
        { value: "None", description: "Leave it." },
        { value: "Move File", description: "Move it to the Move Destination Directory." },
        { value: "Delete File", description: "Delete it." },
      ],
      default: "None",
    }),
    moveDestination: property.string({
      displayName: "Move Destination Directory",
      description: "Where to move the file (Expression Language); created when missing; inside SLUICE_FILE_ROOTS.",
      expressionLanguage: "flowfile",
      required: true,
      dependsOn: { property: "completionStrategy", values: ["Move File"] },
    }),
    moveConflictStrategy: property.enum({
      displayName: "Move Conflict Strategy",
      description: "What to do when the destination already has a file of that name.",
      values: [
        { value: "Rename", description: "Move under a new name (name-1.ext, name-2.ext, ...)." },
        { value: "Replace File", description: "Overwrite the existing file." },
        { value: "Keep Existing", description: "Keep the existing file and delete the source." },
        { value: "Fail", description: "Route the FlowFile to failure (checked before fetching)." },
      ],
      default: "Rename",
      dependsOn: { property: "completionStrategy", values: ["Move File"] },
    }),
    logLevelNotFound: property.enum({
      displayName: "Log level when file not found",
      description: "Level of the log line (warn and error also raise a bulletin).",
      values: ["debug", "info", "warn", "error"],
      default: "error",
    }),
    logLevelPermissionDenied: property.enum({
      displayName: "Log level when permission denied",
      description: "Level of the log line (warn and error also raise a bulletin).",
      values: ["debug", "info", "warn", "error"],
      default: "error",
    }),
  },
  relationships: {
    success: relationship("FlowFiles whose content was fetched."),
    "not.found": relationship("The file does not exist."),
    "permission.denied": relationship("The file cannot be read."),
    failure: relationship("Anything else went wrong; `fetchfile.error` says why."),
  },
  readsAttributes: { "absolute.path": "Directory of the file (default File to Fetch).", filename: "Name of the file (default File to Fetch)." },
  writesAttributes: { "fetchfile.error": "On a failure route: the reason." },
  validate(config, _raw, { fileRoots }) {
    const out: Array<{ property: string; message: string }> = [];
    for (const name of ["fileToFetch", "moveDestination"] as const) {
      const value = config[name];
      const outside = value?.isLiteral ? fileRoots.problem(value.evaluate()) : null;
      if (outside) out.push({ property: name, message: outside });
    }
    return out;
  },
  onTrigger({ session, config, context }) {
    const moves: Array<{ from: string; dir: string }> = [];
    const deletes: string[] = [];
    for (const original of session.getBatch()) {
      let ff: FlowFile = original;
      const route = (outcome: Exclude<Outcome, "success">, message: string) => {
        if (outcome === "not.found") context.logger[config.logLevelNotFound](message);
        if (outcome === "permission.denied") context.logger[config.logLevelPermissionDenied](message);
        ff = session.putAttribute(ff, "fetchfile.error", message);
        session.transfer(ff, outcome);
        // not.found and permission.denied log at their configured levels above.
        if (outcome === "failure") logFailure(context, ff, message);
      };
      let file: string;
      let moveDir: string | null = null;
      try {
        file = context.fileRoots.resolve(config.fileToFetch.evaluate(ff));
        if (config.completionStrategy === "Move File") {
          moveDir = context.fileRoots.resolve((config.moveDestination as NonNullable<typeof config.moveDestination>).evaluate(ff));
          if (config.moveConflictStrategy === "Fail" && fs.existsSync(path.join(moveDir, path.basename(file)))) {
            throw new Error(`a file named ${path.basename(file)} already exists in ${moveDir}`);
          }
        }
      } catch (e) {
        route("failure", (e as Error).message);
        continue;
      }
      let data: Buffer;
      try {
        data = fs.readFileSync(file);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT") route("not.found", `file ${file} does not exist`);
        else if (code === "EACCES" || code === "EPERM") route("permission.denied", `no permission to read ${file}`);
        else route("failure", `could not read ${file}: ${(e as Error).message}`);
        continue;
      }
      ff = session.write(ff, data);
      if (ff.attributes["fetchfile.error"] !== undefined) ff = session.removeAttribute(ff, "fetchfile.error");
      session.provenance.fetch(ff, `file://${file}`);
      session.transfer(ff, "success");
      if (moveDir !== null) moves.push({ from: file, dir: moveDir });
      else if (config.completionStrategy === "Delete File") deletes.push(file);
    }
    if (moves.length === 0 && deletes.length === 0) return;
    const conflict = config.moveConflictStrategy ?? "Rename";
    session.onCommitted(() => {
      for (const f of deletes) {
        try {
          fs.rmSync(f, { force: true });
        } catch (e) {
          context.logger.warn(`fetched ${f} but could not delete it: ${(e as Error).message}`);
        }
      }
      for (const { from, dir } of moves) {
        try {
          fs.mkdirSync(dir, { recursive: true });
          const target = moveTarget(dir, path.basename(from), conflict);
          if (target === null) fs.rmSync(from, { force: true });
          else fs.renameSync(from, target);
        } catch (e) {
          context.logger.warn(`fetched ${from} but could not move it to ${dir}: ${(e as Error).message}`);
        }
      }
    });
  },
});
