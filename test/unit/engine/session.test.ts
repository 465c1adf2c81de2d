import { describe, expect, it } from "vitest";
import { defineProcessor, property, relationship, type FlowFile } from "../../../engine/sdk";
import { testRunner } from "../../../processors/testing/runner";

/** A processor whose behaviour each test chooses. */
function probe(onTrigger: Parameters<typeof defineProcessor>[0]["onTrigger"]) {
  return defineProcessor({
    type: "Probe",
    summary: "test",
    input: "required",
    properties: { note: property.string({ displayName: "Note", description: "unused" }) },
    relationships: { success: relationship("ok"), failure: relationship("bad") },
    onTrigger,
  });
}

describe("ProcessSession", () => {
  it("refuses to commit when a FlowFile is neither transferred nor removed, and loses nothing", async () => {
    const r = testRunner(probe(({ session }) => void session.get(2)));
    r.enqueue("a");
    r.enqueue("b");
    await r.run();
    r.assertTransferCount("success", 0);
    const back = r.inputFlowFiles();
    expect(back.map((f) => f.content).sort()).toEqual(["a", "b"]);
    expect(back.every((f) => f.penalized)).toBe(true);
    expect(r.bulletinList().map((b) => b.message).join()).toMatch(/neither transferred nor removed/);
    expect(await r.provenance()).toEqual([]);
  });

  it("rolls back everything when onTrigger throws part way: nothing is routed, inputs return penalized, the processor yields", async () => {
    const r = testRunner(
      probe(({ session }) => {
        for (const ff of session.getBatch()) {
          if (session.readText(ff) === "poison") throw new Error("boom on poison");
          session.transfer(session.write(ff, "changed"), "success");
        }
      }),
    );
    r.enqueue("fine-1");
    r.enqueue("poison");
    r.enqueue("fine-2");
    await r.run();
    r.assertTransferCount("success", 0);
    const back = r.inputFlowFiles();
    expect(back.map((f) => f.content).sort()).toEqual(["fine-1", "fine-2", "poison"]);
    expect(back.every((f) => f.penalized)).toBe(true);
    expect(r.node.yieldUntil).toBeGreaterThan(Date.now() + 500);
    const bulletins = r.bulletinList();
    expect(bulletins).toHaveLength(1);
    expect(bulletins[0]?.message).toContain("boom on poison");
  });

  it("runs onCommitted only after a successful commit, and onFailure on rollback", async () => {
    const events: string[] = [];
    const ok = testRunner(
      probe(({ session }) => {
        const ff = session.get();
        if (!ff) return;
        session.onCommitted(() => void events.push("committed"));
        session.onFailure(() => void events.push("failed"));
        session.transfer(ff, "success");
        events.push("transferred");
      }),
    );
    ok.enqueue("x");
    await ok.run();
    expect(events).toEqual(["transferred", "committed"]);

    events.length = 0;
    const bad = testRunner(
      probe(({ session }) => {
        const ff = session.get();
        if (!ff) return;
        session.onCommitted(() => void events.push("committed"));
        session.onFailure(() => void events.push("failed"));
        throw new Error("nope");
      }),
    );
    bad.enqueue("x");
    await bad.run();
    expect(events).toEqual(["failed"]);
  });

  it("rejects an outdated FlowFile version", async () => {
    let error = "";
    const r = testRunner(
      probe(({ session }) => {
        const ff = session.get() as FlowFile;
        const v2 = session.putAttribute(ff, "a", "1");
        session.putAttribute(v2, "b", "2");
        try {
          session.putAttribute(v2, "c", "3");
        } catch (e) {
          error = (e as Error).message;
        }
        session.remove(ff);
      }),
    );
    r.enqueue("x");
    await r.run();
    expect(error).toMatch(/not the latest version/);
  });

  it("records attribute and content changes with before and after", async () => {
    const r = testRunner(
      probe(({ session }) => {
        let ff = session.get() as FlowFile;
        ff = session.putAttribute(ff, "color", "red");
        ff = session.removeAttribute(ff, "gone");
        ff = session.write(ff, "after");
        session.transfer(ff, "success");
      }),
    );
    r.enqueue("before", { gone: "x", keep: "y" });
    await r.run();
    const [out] = r.flowFiles("success");
    expect(out?.content).toBe("after");
    expect(out?.attributes).toMatchObject({ color: "red", keep: "y" });
    expect(out?.attributes.gone).toBeUndefined();
    const events = await r.provenance();
    expect(events.map((e) => e.type)).toEqual(["CONTENT_MODIFIED"]);
    const e = events[0]!;
    expect(e.updatedAttributes).toEqual({ color: "red", gone: null });
    expect(e.previousAttributes).toEqual({ color: null, gone: "x" });
    expect(e.previousClaim?.length).toBe(6);
    expect(e.currentClaim?.length).toBe(5);
    expect(e.relationship).toBe("success");
  });

  it("creates children with FORK, CLONE and JOIN lineage and accounts for every one", async () => {
    const r = testRunner(
      probe(({ session }) => {
        const [a, b] = session.get(2) as [FlowFile, FlowFile];
        const child = session.write(session.create(a), "child");
        const copy = session.clone(b, 1, 2);
        const joined = session.write(session.create([a, b]), "joined");
        for (const f of [child, copy, joined]) session.transfer(f, "success");
        session.remove(a);
        session.transfer(b, "failure");
      }),
    );
    r.enqueue("AAAA", { shared: "s", only: "a" });
    r.enqueue("BBBB", { shared: "s", only: "b" });
    await r.run();
    const out = r.flowFiles("success");
    expect(out.map((f) => f.content)).toEqual(["child", "BB", "joined"]);
    expect(out[0]?.attributes.only).toBe("a");
    expect(out[2]?.attributes).toMatchObject({ shared: "s" });
    expect(out[2]?.attributes.only).toBeUndefined();
    r.assertTransferCount("failure", 1);
    const types = (await r.provenance()).map((e) => e.type).sort();
    expect(types).toEqual(["CLONE", "CLONE", "DROP", "FORK", "FORK", "JOIN"].sort());
  });

  it("content written as text reads back as text and as bytes, and a clone of part of it has the right bytes", async () => {
    const seen: string[] = [];
    const r = testRunner(
      probe(({ session }) => {
        const ff = session.get();
        if (!ff) return;
        const text = session.write(ff, "héllo wörld ✓");
        seen.push(session.readText(text), session.read(text).toString("hex"));
        // Bytes 7..13 of the UTF-8 encoding: "wörld" (ö is two bytes).
        const part = session.clone(text, 7, 6);
        seen.push(session.readText(part));
        session.transfer(text, "success");
        session.transfer(part, "success");
      }),
    );
    r.enqueue("x");
    await r.run();
    expect(seen).toEqual(["héllo wörld ✓", Buffer.from("héllo wörld ✓").toString("hex"), "wörld"]);
    expect(r.flowFiles("success").map((f) => f.content)).toEqual(["héllo wörld ✓", "wörld"]);
    expect(r.flowFiles("success").map((f) => f.size)).toEqual([Buffer.byteLength("héllo wörld ✓"), 6]);
  });

  it("sends a relationship with two connections to both (the second gets a clone)", async () => {
    const r = testRunner(
      probe(({ session }) => {
        const ff = session.get();
        if (ff) session.transfer(ff, "success");
      }),
    );
    const extra = new (r.input.constructor as typeof import("../../../engine/queue/connection-queue").ConnectionQueue)("second");
    r.node.outgoing.get("success")!.push(extra);
    r.node.wire();
    r.enqueue("x", { k: "v" });
    await r.run();
    r.assertTransferCount("success", 1);
    expect(extra.count).toBe(1);
    const [copy] = extra.list();
    expect(copy?.attributes.k).toBe("v");
    expect(copy?.uuid).not.toBe(r.flowFiles("success")[0]?.uuid);
  });

  it("is not triggered while a destination is full, and is once it drains", async () => {
    let triggers = 0;
    const r = testRunner(
      probe(({ session }) => {
        triggers++;
        for (const ff of session.getBatch()) session.transfer(ff, "success");
      }),
    );
    r.enqueue("x");
    r.setFull("success");
    expect(await r.run(3, { stop: false })).toBe(0);
    expect(triggers).toBe(0);
    r.setFull("success", false);
    expect(await r.run(1)).toBe(1);
    r.assertTransferCount("success", 1);
  });

  it("penalizes on request and keeps penalized FlowFiles back", async () => {
    const r = testRunner(
      probe(({ session }) => {
        const ff = session.get();
        if (ff) session.transferBack(session.penalize(ff));
      }),
      { scheduling: { penaltyDuration: "10 sec" } },
    );
    r.enqueue("x");
    expect(await r.run(1, { stop: false })).toBe(1);
    const [back] = r.inputFlowFiles();
    expect(back?.penalized).toBe(true);
    expect(await r.run(1)).toBe(0);
  });
});

describe("yield and wake", () => {
  it("a yield holds the processor back until context.wake() lifts it", async () => {
    let wake: (() => void) | undefined;
    const r = testRunner(
      probe(({ session, context }) => {
        wake = () => context.wake();
        const ff = session.get();
        if (ff) session.transfer(ff, "success");
        context.yield();
      }),
      { scheduling: { yieldDuration: "30 sec" } },
    );
    r.enqueue("x");
    await r.run(1, { stop: false });
    const view = r.node.view(Date.now());
    expect(view.nextRunAt).toBeGreaterThan(Date.now() + 20_000);
    wake!();
    expect(r.node.view(Date.now()).nextRunAt).toBeLessThanOrEqual(Date.now());
    await r.stop();
  });
});
