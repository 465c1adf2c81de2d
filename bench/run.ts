/**
 * Benchmark dispatcher: `npm run bench -- <name> [args]`. Each benchmark prints one result line.
 * Names: linear-5, kafka-relay, canvas-300, provenance, el.
 */
const BENCHES: Record<string, string> = {
  "linear-5": "./linear-5",
  "kafka-relay": "./kafka-relay",
  "canvas-300": "./canvas-300",
  provenance: "./provenance",
  el: "./el",
};

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const mod = name ? BENCHES[name] : undefined;
  if (!mod) {
    process.stderr.write(`usage: npm run bench -- <${Object.keys(BENCHES).join("|")}> [options]\n`);
    process.exit(2);
  }
  // A benchmark either exports main(args) or (like el) runs when imported.
  const m = (await import(mod)) as { main?: (args: string[]) => Promise<void> };
  if (typeof m.main === "function") await m.main(args);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
