/**
 * Expression Language hot path: one compiled condition evaluated per FlowFile.
 * Prints one line: `el evals/s=<n>` for `${amount:toNumber():gt(50)}` over 1,000,000 evaluations.
 */
import { compile } from "../engine/core/el/index";

const N = 1_000_000;
const expr = compile("${amount:toNumber():gt(50)}");
// A few distinct attribute maps so the loop is not measuring one cached shape and value.
const flowFiles = Array.from({ length: 64 }, (_, i) => ({ filename: `f${i}.csv`, amount: String(i * 3 + 0.5), "mime.type": "text/csv" }));

let matched = 0;
for (let i = 0; i < 100_000; i++) if (expr.evaluate(flowFiles[i & 63]) === "true") matched++;

matched = 0;
const start = process.hrtime.bigint();
for (let i = 0; i < N; i++) if (expr.evaluate(flowFiles[i & 63]) === "true") matched++;
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
if (matched === 0) throw new Error("benchmark expression never matched");
console.log(`el evals/s=${Math.round(N / seconds)}`);
