/**
 * The ProcessSession rule on FlowFile versions (engine/sdk/types.ts): every method that takes a
 * FlowFile accepts only its latest version, and throws FlowFileHandlingError, changing nothing,
 * for an outdated version, a removed FlowFile, or one the session does not hold.
 */
import { describe, expect, it } from "vitest";
import { defineProcessor, relationship, FlowFileHandlingError, type FlowFile, type ProcessSession } from "../../../engine/sdk";
import { testRunner, type TestRunner } from "../../../processors/testing/runner";

type Session = ProcessSession<"success" | "failure">;

interface Case {
  readonly name: string;
  /** Calls the method with `ff`; returns a FlowFile it made (clone, create), if any. */
  use(session: Session, ff: FlowFile): FlowFile | void;
  /** The method routes or drops `ff` itself, so the test does not transfer it afterwards. */
  readonly routes?: boolean;
  /** The method returns the new version of `ff`. */
  readonly changes?: boolean;
  /** Provenance event types of the trigger when given the latest version (see "accepts"). */
  readonly events: readonly string[];
}

const CASES: readonly Case[] = [
  { name: "putAttribute", use: (s, ff) => s.putAttribute(ff, "added", "yes"), changes: true, events: ["ATTRIBUTES_MODIFIED"] },
  { name: "putAllAttributes", use: (s, ff) => s.putAllAttributes(ff, { added: "yes" }), changes: true, events: ["ATTRIBUTES_MODIFIED"] },
  { name: "removeAttribute", use: (s, ff) => s.removeAttribute(ff, "keep"), changes: true, events: ["ATTRIBUTES_MODIFIED"] },
  { name: "removeAllAttributes", use: (s, ff) => s.removeAllAttributes(ff, /^ke/), changes: true, events: ["ATTRIBUTES_MODIFIED"] },
  { name: "write", use: (s, ff) => s.write(ff, "new"), changes: true, events: ["CONTENT_MODIFIED"] },
  { name: "append", use: (s, ff) => s.append(ff, "+more"), changes: true, events: ["CONTENT_MODIFIED"] },
  { name: "penalize", use: (s, ff) => s.penalize(ff), changes: true, events: ["ATTRIBUTES_MODIFIED"] },
  { name: "read", use: (s, ff) => void s.read(ff), events: ["ATTRIBUTES_MODIFIED"] },
  { name: "readText", use: (s, ff) => void s.readText(ff), events: ["ATTRIBUTES_MODIFIED"] },
  { name: "clone", use: (s, ff) => s.clone(ff), events: ["CLONE", "ATTRIBUTES_MODIFIED", "CLONE"] },
  { name: "clone (byte range)", use: (s, ff) => s.clone(ff, 1, 2), events: ["CLONE", "ATTRIBUTES_MODIFIED", "CLONE"] },
  { name: "create (one parent)", use: (s, ff) => s.create(ff), events: ["FORK", "ATTRIBUTES_MODIFIED", "FORK"] },
  { name: "create (parent list)", use: (s, ff) => s.create([ff]), events: ["FORK", "ATTRIBUTES_MODIFIED", "FORK"] },
  { name: "transfer", use: (s, ff) => s.transfer(ff, "success"), routes: true, events: ["ATTRIBUTES_MODIFIED"] },
  { name: "transferDynamic", use: (s, ff) => s.transferDynamic(ff, "success"), routes: true, events: ["ATTRIBUTES_MODIFIED"] },
  { name: "transferBack", use: (s, ff) => s.transferBack(ff), routes: true, events: ["ATTRIBUTES_MODIFIED"] },
  { name: "remove", use: (s, ff) => s.remove(ff), routes: true, events: ["ATTRIBUTES_MODIFIED", "DROP"] },
  { name: "provenance.receive", use: (s, ff) => s.provenance.receive(ff, "test://in"), events: ["RECEIVE"] },
  { name: "provenance.fetch", use: (s, ff) => s.provenance.fetch(ff, "test://in"), events: ["FETCH"] },
  { name: "provenance.send", use: (s, ff) => s.provenance.send(ff, "test://out"), events: ["SEND"] },
  { name: "provenance.route", use: (s, ff) => s.provenance.route(ff, "success"), events: ["ROUTE"] },
  { name: "provenance.create", use: (s, ff) => s.provenance.create(ff, "details"), events: ["CREATE"] },
];

function probe(onTrigger: (session: Session) => void | Promise<void>) {
  return defineProcessor({
    type: "VersionProbe",
    summary: "test",
    input: "required",
    properties: {},
    relationships: { success: relationship("ok"), failure: relationship("made by the case") },
    onTrigger: ({ session }) => onTrigger(session),
  });
}

/** Runs `body` as the trigger over one queued FlowFile ("abcd", keep=x); returns what it caught. */
async function runCaught(body: (session: Session, caught: (fn: () => unknown) => void) => void | Promise<void>): Promise<{ r: TestRunner; errors: Error[] }> {
  const errors: Error[] = [];
  const r = testRunner(
    probe((session) =>
      body(session, (fn) => {
        try {
          fn();
        } catch (e) {
          errors.push(e as Error);
        }
      }),
    ),
  );
  r.enqueue("abcd", { keep: "x" });
  await r.run();
  return { r, errors };
}

/** The trigger committed exactly the latest version, with nothing the refused call would have done. */
async function expectOnlyLatestCommitted(r: TestRunner, attributes: Record<string, string>, events: string[]): Promise<void> {
  expect(r.bulletinList()).toEqual([]);
  const out = r.flowFiles("success");
  expect(out).toHaveLength(1);
  expect(out[0]?.content).toBe("abcd");
  expect(out[0]?.penalized).toBe(false);
  expect(out[0]?.attributes).toEqual({ ...attributes, uuid: out[0]?.uuid, filename: expect.any(String) });
  r.assertTransferCount("failure", 0);
  expect(r.inputFlowFiles()).toEqual([]);
  expect((await r.provenance()).map((e) => e.type)).toEqual(events);
}

function expectRefused(errors: Error[], message: RegExp): void {
  expect(errors).toHaveLength(1);
  expect(errors[0]).toBeInstanceOf(FlowFileHandlingError);
  expect(errors[0]?.message).toMatch(message);
}

describe("ProcessSession FlowFile versions", () => {
  describe.each(CASES)("$name", (c) => {
    it("accepts the latest version", async () => {
      const { r, errors } = await runCaught((session, caught) => {
        const taken = session.get() as FlowFile;
        const latest = session.putAttribute(taken, "step", "1");
        caught(() => {
          const made = c.use(session, latest);
          if (made && !c.changes) session.transfer(made, "failure");
          if (!c.routes) session.transfer(c.changes && made ? made : latest, "success");
        });
      });
      expect(errors).toEqual([]);
      expect(r.bulletinList()).toEqual([]);
      expect((await r.provenance()).map((e) => e.type)).toEqual(c.events);
    });

    it.each([
      { outdated: "the version get() returned once it has been changed", changes: 1 },
      { outdated: "an intermediate version", changes: 2 },
    ])("refuses $outdated", async ({ changes }) => {
      const { r, errors } = await runCaught((session, caught) => {
        const versions = [session.get() as FlowFile];
        for (let i = 1; i <= changes; i++) versions.push(session.putAttribute(versions[i - 1] as FlowFile, "step", String(i)));
        caught(() => c.use(session, versions[changes - 1] as FlowFile));
        session.transfer(versions[changes] as FlowFile, "success");
      });
      expectRefused(errors, /is not the latest version/);
      await expectOnlyLatestCommitted(r, { keep: "x", step: String(changes) }, ["ATTRIBUTES_MODIFIED"]);
    });

    it("refuses an outdated version of a FlowFile created in the session", async () => {
      const { r, errors } = await runCaught((session, caught) => {
        session.remove(session.get() as FlowFile);
        const created = session.create();
        const latest = session.write(created, "abcd");
        caught(() => c.use(session, created));
        session.transfer(latest, "success");
      });
      expectRefused(errors, /is not the latest version/);
      expect(r.flowFiles("success").map((f) => f.content)).toEqual(["abcd"]);
      r.assertTransferCount("failure", 0);
      // A session's plain CREATEs are registered first, as one group (see registerEvents).
      expect((await r.provenance()).map((e) => e.type)).toEqual(["CREATE", "DROP"]);
    });

    it("refuses a FlowFile removed in the session", async () => {
      const { r, errors } = await runCaught((session, caught) => {
        const taken = session.get() as FlowFile;
        session.remove(taken);
        caught(() => c.use(session, taken));
      });
      expectRefused(errors, /was removed in this session/);
      expect(r.bulletinList()).toEqual([]);
      r.assertTransferCount("success", 0);
      r.assertTransferCount("failure", 0);
      expect(r.inputFlowFiles()).toEqual([]);
      expect((await r.provenance()).map((e) => e.type)).toEqual(["DROP"]);
    });

    it("refuses a FlowFile from before the session's last commit", async () => {
      const { r, errors } = await runCaught((session, caught) => {
        const taken = session.get() as FlowFile;
        session.transfer(taken, "success");
        session.commit();
        caught(() => c.use(session, taken));
      });
      expectRefused(errors, /does not belong to this session/);
      await expectOnlyLatestCommitted(r, { keep: "x" }, []);
    });

    it("refuses a FlowFile another session holds", async () => {
      let held: FlowFile | null = null;
      let release = (): void => {};
      const released = new Promise<void>((resolve) => (release = resolve));
      let signalHeld = (): void => {};
      const isHeld = new Promise<void>((resolve) => (signalHeld = resolve));
      const owner = testRunner(
        probe(async (session) => {
          held = session.putAttribute(session.get() as FlowFile, "step", "1");
          signalHeld();
          await released;
          session.transfer(held, "success");
        }),
      );
      owner.enqueue("abcd", { keep: "x" });
      const ownerRun = owner.run();
      await isHeld;

      const { r, errors } = await runCaught((session, caught) => {
        caught(() => c.use(session, held as FlowFile));
        session.transfer(session.get() as FlowFile, "success");
      });
      release();
      await ownerRun;
      expectRefused(errors, /does not belong to this session/);
      await expectOnlyLatestCommitted(r, { keep: "x" }, []);
      await expectOnlyLatestCommitted(owner, { keep: "x", step: "1" }, ["ATTRIBUTES_MODIFIED"]);
    });
  });

  it("lets a transferred FlowFile change and be routed again: the latest version and the last route land", async () => {
    const { r, errors } = await runCaught((session) => {
      const taken = session.get() as FlowFile;
      session.transfer(taken, "failure");
      const changed = session.putAttribute(taken, "step", "1");
      session.transfer(changed, "success");
    });
    expect(errors).toEqual([]);
    await expectOnlyLatestCommitted(r, { keep: "x", step: "1" }, ["ATTRIBUTES_MODIFIED"]);
  });
});
