#!/usr/bin/env -S node --max-semi-space-size=32
// Entry point of the `sluice` command. Runs the bundled CLI (rebuilt from source when a source
// file changed; see scripts/build-engine.mjs), so no TypeScript loader sits in the process.
// The young-generation size matches `npm run bench` (scripts/bench.mjs says why), so the
// benchmark figures are what `sluice run` gets.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ensureEngineBuild } from "../scripts/build-engine.mjs";

const out = await ensureEngineBuild();
process.setSourceMapsEnabled(true);
await import(pathToFileURL(path.join(out, "sluice.js")).href);
