#!/usr/bin/env node
// Prepares a checkout to run: generates the Prisma client, creates the data directory, checks
// (or creates, on first start) the secret key, applies the flow store migrations and seeds an
// example flow into an empty store.
//
// Usage:
//   node scripts/setup.mjs                  generate (if stale) + data dir + migrate + seed
//   node scripts/setup.mjs --generate-only  only `prisma generate`, and only if stale
//
// The data directory is $SLUICE_DATA_DIR (default ./data, relative to the working directory);
// the store is <data dir>/sluice.db. The key that encrypts sensitive values in it is
// $SLUICE_SECRET_KEY or <data dir>/secret.key (prisma/secret-key.mjs). Problems with any of
// them are reported as one line on stderr with exit code 1, and nothing on disk is changed.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { DATA_DIR_ENV, DataStoreError, prepareDataStore } from "../prisma/data-store.mjs";
import { SecretKeyError, prepareSecretKey } from "../prisma/secret-key.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const schemaFile = path.join(root, "prisma", "schema.prisma");
const generatedEntry = path.join(root, "prisma", "generated", "client.ts");
const exampleFlowFile = path.join(root, "prisma", "seed", "example-flow.json");
const prismaCli = createRequire(import.meta.url).resolve("prisma/build/index.js");

/** Thrown for failures already explained in one line; main() prints it without a stack. */
class SetupError extends Error {}

function log(line) {
  process.stdout.write(`sluice: ${line}\n`);
}

/** Runs the Prisma CLI quietly; on failure its output is shown before the one-line error. */
function prisma(args, env) {
  const r = spawnSync(process.execPath, [prismaCli, ...args], {
    cwd: root,
    encoding: "utf8",
    // CHECKPOINT_DISABLE: Prisma's telemetry/update check would wait on the network, which
    // these machines do not have.
    env: { ...process.env, ...env, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" },
  });
  if (r.status !== 0) {
    process.stderr.write(`${r.stdout ?? ""}${r.stderr ?? ""}`);
    throw new SetupError(`sluice: prisma ${args[0]}${args[1] && !args[1].startsWith("-") ? ` ${args[1]}` : ""} failed (${r.error ? r.error.message : `exit code ${r.status}`})`);
  }
}

function generatedIsStale() {
  if (!existsSync(generatedEntry)) return true;
  return statSync(generatedEntry).mtimeMs < statSync(schemaFile).mtimeMs;
}

function generateIfNeeded() {
  if (!generatedIsStale()) return;
  prisma(["generate"]);
  log("generated the Prisma client (prisma/generated)");
}

/** A cuid-shaped id ("c" + 24 base-36 chars), like Prisma's @default(cuid()) produces. */
function newId() {
  const time = Date.now().toString(36).padStart(9, "0");
  const rand = BigInt(`0x${randomBytes(10).toString("hex")}`).toString(36).padStart(15, "0").slice(-15);
  return `c${time}${rand}`;
}

/** How the example flow writes paths below the default file root (`./data/files`). */
const EXAMPLE_FILES = "./data/files/";

/**
 * Points the example flow's paths at `<data dir>/files` (the default SLUICE_FILE_ROOTS), so it
 * stays inside the file roots wherever SLUICE_DATA_DIR puts the data dir.
 */
function placeExampleFiles(doc, dataDir) {
  for (const p of doc.processors) {
    for (const [name, value] of Object.entries(p.properties ?? {})) {
      if (value.startsWith(EXAMPLE_FILES)) p.properties[name] = path.join(dataDir, "files", value.slice(EXAMPLE_FILES.length));
    }
  }
  return doc;
}

/**
 * Seeds the example flow and its revision 1 when the Flow table is empty.
 * Raw SQL rather than the generated client because that client is TypeScript and this script
 * is plain Node. Dates are written the way @prisma/adapter-better-sqlite3 writes them (ISO 8601
 * with "+00:00"), so the app reads them back as the same instants.
 */
function seed(databasePath, dataDir) {
  const doc = placeExampleFiles(JSON.parse(readFileSync(exampleFlowFile, "utf8")), dataDir);
  const db = new Database(databasePath, { fileMustExist: true });
  try {
    db.pragma("busy_timeout = 5000");
    db.pragma("foreign_keys = ON");
    const seeded = db.transaction(() => {
      const { n } = db.prepare('SELECT count(*) AS n FROM "Flow"').get();
      if (n > 0) return false;
      const now = new Date().toISOString().replace("Z", "+00:00");
      const flowId = newId();
      const snapshot = JSON.stringify(doc);
      db.prepare(
        'INSERT INTO "Flow" ("id", "name", "description", "revision", "snapshot", "createdAt", "updatedAt") VALUES (?, ?, ?, 1, ?, ?, ?)',
      ).run(flowId, doc.name, doc.description ?? null, snapshot, now, now);
      db.prepare(
        'INSERT INTO "FlowRevision" ("id", "flowId", "version", "message", "snapshot", "createdAt") VALUES (?, ?, 1, ?, ?, ?)',
      ).run(newId(), flowId, "Example flow created by setup", snapshot, now);
      return true;
    })();
    if (seeded) log(`seeded the example flow "${doc.name}"`);
  } finally {
    db.close();
  }
}

function main() {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== "--generate-only");
  if (unknown.length) throw new SetupError(`sluice: unknown argument ${unknown[0]} (usage: node scripts/setup.mjs [--generate-only])`);
  if (args.includes("--generate-only")) {
    generateIfNeeded();
    return;
  }
  // Check the data dir, database and key first: it is fast, and a bad one must fail before
  // anything (prisma included) touches it.
  const { dataDir, databasePath } = prepareDataStore();
  const secret = prepareSecretKey({ dataDir, databasePath, create: true });
  if (secret.created) log(`created the secret key ${secret.file} (mode 600): back it up, the stored secrets cannot be read without it`);
  generateIfNeeded();
  // Absolute, so prisma.config.ts (run with cwd = repo root) finds the same directory.
  prisma(["migrate", "deploy"], { [DATA_DIR_ENV]: dataDir });
  log(`flow store ready: ${databasePath}`);
  seed(databasePath, dataDir);
}

try {
  main();
} catch (err) {
  if (err instanceof DataStoreError || err instanceof SecretKeyError || err instanceof SetupError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`sluice: setup failed: ${msg.split("\n")[0]}\n`);
  }
  process.exit(1);
}
