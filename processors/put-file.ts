import fs from "node:fs";
import path from "node:path";
import { defineProcessor, property, relationship } from "../engine/sdk";

/**
 * Directories PutFile may write under, from SLUICE_PUTFILE_ALLOWED_DIRS (path-delimiter
 * separated). Unset = anywhere. Resolved once per schedule.
 */
function allowedRoots(): string[] | null {
  const v = process.env.SLUICE_PUTFILE_ALLOWED_DIRS;
  if (!v) return null;
  return v.split(path.delimiter).filter(Boolean).map((d) => path.resolve(d));
}

function inside(dir: string, roots: readonly string[]): boolean {
  return roots.some((r) => dir === r || dir.startsWith(r + path.sep));
}

export const PutFile = defineProcessor({
  type: "PutFile",
  summary: "Writes each FlowFile's content to a file in a directory.",
  description:
    "The file is written to a temporary name and renamed, so readers never see half a file. The target directory is Expression Language, so it can depend on attributes; it must stay inside the base directories allowed by SLUICE_PUTFILE_ALLOWED_DIRS when that is set, or the FlowFile goes to failure.",
  tags: ["local", "files", "filesystem", "put", "egress", "archive"],
  restricted: {
    kinds: ["write-files"],
    explanation: "Creates and overwrites files (and creates directories) below its Directory, within SLUICE_FILE_ROOTS.",
  },
  input: "required",
  properties: {
    directory: property.string({ displayName: "Directory", description: "Target directory (Expression Language).", required: true, expressionLanguage: "flowfile" }),
    conflictResolution: property.enum({
      displayName: "Conflict Resolution Strategy",
      description: "What to do when the file exists.",
      values: ["replace", "ignore", "fail"],
      default: "fail",
    }),
    createMissingDirectories: property.boolean({ displayName: "Create Missing Directories", description: "Create the directory when it does not exist.", default: "true" }),
    fileName: property.string({ displayName: "File Name", description: "Name of the file (Expression Language).", default: "${filename}", expressionLanguage: "flowfile" }),
  },
  relationships: {
    success: relationship("Written (or ignored as a conflict)."),
    failure: relationship("Could not be written; `putfile.error` says why."),
  },
  writesAttributes: { "putfile.error": "On failure: the reason." },
  onScheduled() {
    return { roots: allowedRoots() };
  },
  onTrigger({ session, config, state }) {
    for (const original of session.getBatch()) {
      let ff = original;
      try {
        const dir = path.resolve(config.directory.evaluate(ff));
        const name = config.fileName.evaluate(ff) || ff.uuid;
        if (name.includes("/") || name === ".." || name === ".") throw new Error(`file name "${name}" is not a plain file name`);
        if (state.roots && !inside(dir, state.roots)) throw new Error(`directory ${dir} is outside the allowed base directories`);
        if (!fs.existsSync(dir)) {
          if (!config.createMissingDirectories) throw new Error(`directory ${dir} does not exist`);
          fs.mkdirSync(dir, { recursive: true });
        }
        const target = path.join(dir, name);
        if (fs.existsSync(target)) {
          if (config.conflictResolution === "fail") throw new Error(`file ${target} already exists`);
          if (config.conflictResolution === "ignore") {
            session.transfer(ff, "success");
            continue;
          }
        }
        const tmp = path.join(dir, `.${name}.${ff.uuid}.tmp`);
        fs.writeFileSync(tmp, session.read(ff));
        fs.renameSync(tmp, target);
        session.provenance.send(ff, `file://${target}`);
        session.transfer(ff, "success");
      } catch (e) {
        ff = session.putAttribute(ff, "putfile.error", (e as Error).message);
        session.transfer(session.penalize(ff), "failure");
      }
    }
  },
});
