// The handover keys of a primary-only source (engine/runtime/source-handover.ts): a run that
// resumes from a saved state gets the keys of the run that saved it for the same output, and
// anything that is not a repeat of the same work gets another key.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MARKER, SourceHandoverChain, type HandoverOutput } from "../../../engine/runtime/source-handover";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function stateDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-source-handover-"));
  dirs.push(d);
  return d;
}

/** A copy of a state dir, as the next primary gets it (node.ts mirrors the plain files). */
function copyOf(dir: string): string {
  const d = stateDir();
  for (const f of fs.readdirSync(dir)) fs.copyFileSync(path.join(dir, f), path.join(d, f));
  return d;
}

/** `n` FlowFiles of `size` bytes to connection `c`, each with a fresh uuid. */
function output(n: number, opts: { size?: number; attrs?: Record<string, string>; connection?: string } = {}): HandoverOutput {
  const ffs = Array.from({ length: n }, () => ({ size: opts.size ?? 10, attributes: { uuid: crypto.randomUUID(), "mime.type": "text/plain", ...opts.attrs } }));
  return new Map([[{ id: opts.connection ?? "c1" }, ffs]]);
}

const PROPS = { batchSize: "3", totalCount: "30" };

/**
 * A GenerateFlowFile-like source on a state dir: each handover session writes its count to
 * `generate.json` on commit (as the processor's onCommitted does), then the chain's callback runs.
 */
class Source {
  readonly chain: SourceHandoverChain;
  emitted: number;
  constructor(
    readonly dir: string,
    readonly props: Record<string, string> = PROPS,
    readonly writesState = true,
  ) {
    this.chain = SourceHandoverChain.load(dir, "gen", "GenerateFlowFile", props);
    this.emitted = fs.existsSync(path.join(dir, "generate.json")) ? JSON.parse(fs.readFileSync(path.join(dir, "generate.json"), "utf8")).emitted : 0;
  }
  /** One session: its key, and a commit that lands its state (processor first, then the chain). */
  session(out: HandoverOutput = output(3)): { key: string; commit: () => void } {
    const callbacks: Array<() => void> = [];
    const key = this.chain.next(out, (cb) => callbacks.push(cb));
    this.emitted += 3;
    const emitted = this.emitted;
    return {
      key,
      commit: () => {
        if (this.writesState) fs.writeFileSync(path.join(this.dir, "generate.json"), JSON.stringify({ emitted }));
        for (const cb of callbacks) cb();
      },
    };
  }
  /** Sessions committed one after another; their keys. */
  run(n: number): string[] {
    const keys: string[] = [];
    for (let i = 0; i < n; i++) {
      const s = this.session();
      keys.push(s.key);
      s.commit();
    }
    return keys;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-/;

describe("SourceHandoverChain", () => {
  it("gives a run resumed from a saved state the keys the saving run had for the same output (content bytes aside)", () => {
    const dir = stateDir();
    const first = new Source(dir);
    first.run(3);
    const saved = copyOf(dir);
    // The old primary goes on; its state after these never reaches the next primary.
    const later = first.run(3);
    const next = new Source(saved);
    expect(next.emitted).toBe(9);
    expect(next.run(3)).toEqual(later);
  });

  it("gives a fresh key to a processor's first handover, and to the second while the first's state is not written yet", () => {
    const keys = new Source(stateDir()).run(4);
    expect(keys[0]).toMatch(UUID);
    // The first session's state is not written yet when the second one is named (its commit
    // is still on its way to durable): whether it changed the state is not known.
    const s = new Source(stateDir());
    const one = s.session();
    const two = s.session();
    one.commit();
    two.commit();
    expect(two.key).toMatch(UUID);
    expect(keys[2]).not.toMatch(UUID);
    expect(new Set(keys).size).toBe(4);
  });

  it("gives consecutive sessions different keys for the same output", () => {
    const s = new Source(stateDir());
    s.run(2);
    const same = output(3);
    const a = s.session(same);
    a.commit();
    const b = s.session(same);
    expect(b.key).not.toBe(a.key);
  });

  it("gives a repeat with other output another key: count, attributes, sizes, connection", () => {
    const dir = stateDir();
    new Source(dir).run(3);
    const keyFor = (out: HandoverOutput) => new Source(copyOf(dir)).session(out).key;
    const base = keyFor(output(3));
    expect(keyFor(output(3))).toBe(base);
    for (const other of [output(2), output(4), output(3, { attrs: { n: "1" } }), output(3, { size: 11 }), output(3, { connection: "c2" })]) expect(keyFor(other)).not.toBe(base);
    // Values that one text encoding would make alike: two lone surrogates, a shifted boundary.
    expect(keyFor(output(3, { attrs: { n: "\uD800" } }))).not.toBe(keyFor(output(3, { attrs: { n: "\uDC00" } })));
    expect(keyFor(output(3, { attrs: { ab: "c" } }))).not.toBe(keyFor(output(3, { attrs: { a: "bc" } })));
  });

  it("gives another configuration another key", () => {
    const dir = stateDir();
    new Source(dir).run(3);
    const same = new Source(copyOf(dir)).session(output(3)).key;
    expect(new Source(copyOf(dir)).session(output(3)).key).toBe(same);
    expect(new Source(copyOf(dir), { ...PROPS, customText: "x" }).session(output(3)).key).not.toBe(same);
  });

  it("never chains a source without state of its own, and leaves no marker", () => {
    const dir = stateDir();
    const keys = new Source(dir, PROPS, false).run(4);
    for (const k of keys) expect(k).toMatch(UUID);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("never chains a source whose state does not change with its handovers", () => {
    const dir = stateDir();
    fs.writeFileSync(path.join(dir, "settings.json"), "{}");
    const s = new Source(dir, PROPS, false);
    const keys = s.run(4);
    for (const k of keys) expect(k).toMatch(UUID);
    // The marker says so, and a run resumed from it gives fresh keys too.
    expect(JSON.parse(fs.readFileSync(path.join(dir, MARKER), "utf8")).advanced).toBe(false);
    expect(new Source(copyOf(dir), PROPS, false).run(2)[0]).toMatch(UUID);
  });

  it("gives fresh keys when the marker does not match the state beside it", () => {
    const dir = stateDir();
    new Source(dir).run(3);
    const torn = copyOf(dir);
    // The processor's state written, the marker not (a crash between the two writes).
    fs.writeFileSync(path.join(torn, "generate.json"), JSON.stringify({ emitted: 12 }));
    expect(new Source(torn).session().key).toMatch(UUID);
    const corrupt = copyOf(dir);
    fs.writeFileSync(path.join(corrupt, MARKER), "{");
    expect(new Source(corrupt).session().key).toMatch(UUID);
  });

  it("does not repeat a key of a session that was rolled back", () => {
    const s = new Source(stateDir());
    s.run(3);
    const failed = s.session();
    // No commit: the handover failed and the session rolled back; the next one is named anew.
    s.emitted -= 3;
    expect(s.session().key).not.toBe(failed.key);
  });
});
