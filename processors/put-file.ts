import fs from "node:fs";
import path from "node:path";
import { defineProcessor, property, relationship } from "../engine/sdk";
import { routeToFailure } from "./lib/failure-log";

export const PutFile = defineProcessor({
  type: "PutFile",
  summary: "Writes each FlowFile's content to a file in a directory.",
  description:
    "The file is written to a temporary name and renamed, so readers never see half a file. The target directory is Expression Language, so it can depend on attributes. It must be inside SLUICE_FILE_ROOTS after resolving symlinks: a literal directory outside them makes the processor invalid, and one that Expression Language puts outside them sends the FlowFile to failure with `putfile.error` saying so.",
  tags: ["local", "files", "filesystem", "put", "egress", "archive"],
  restricted: {
    kinds: ["write-files"],
    explanation: "Creates and overwrites files (and creates directories) below its Directory, within SLUICE_FILE_ROOTS.",
  },
  input: "required",
  properties: {
    directory: property.string({
      displayName: "Directory",
      description: "Target directory (Expression Language); inside SLUICE_FILE_ROOTS.",
      required: true,
      expressionLanguage: "flowfile",
    }),
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
  validate(config, _raw, { fileRoots }) {
    const outside = config.directory.isLiteral ? fileRoots.problem(config.directory.evaluate()) : null;
    return outside ? [{ property: "directory", message: outside }] : [];
  },
  onTrigger({ session, config, context }) {
    for (const original of session.getBatch()) {
      const ff = original;
      try {
        const dir = context.fileRoots.resolve(config.directory.evaluate(ff));
        const name = config.fileName.evaluate(ff) || ff.uuid;
        if (name.includes("/") || name === ".." || name === ".") throw new Error(`file name "${name}" is not a plain file name`);
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
        routeToFailure(session, context, ff, "putfile.error", (e as Error).message, { penalize: true });
      }
    }
  },
});
