/**
 * The ContentRepository contract (engine/core/content-claim.ts) as one suite, run against every
 * implementation by content-repository.test.ts (n8n style). Behaviour only a durable repository
 * has (bytes on disk, an archive, reopening) runs when the harness says it is durable.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ContentClaim, ContentNotFoundError, type ContentRepository } from "../../../engine/core/content-claim";

const HOUR = 3_600_000;

/** Limits a test needs; a repository without an archive ignores them. */
export interface ContentLimits {
  /** Contents per resource file, in bytes (a durable repository packs small contents). */
  maxAppendableClaimBytes?: number;
  archiveMaxAgeMs?: number;
  archiveMaxBytes?: number;
}

export interface ContentHarness {
  /** Opens a repository; a durable harness opens each one over the same storage. */
  open(limits?: ContentLimits): ContentRepository;
  /** Closes what it opened and removes its storage. */
  dispose(): void;
}

/** The claim as it comes back from the FlowFile repository or a swap file: no cached bytes. */
export function bare(claim: ContentClaim): ContentClaim {
  return new ContentClaim(claim.resource, claim.offset, claim.length);
}

/** Sum of expected references per resource, for claims that may or may not share resources. */
function perResource(claims: readonly ContentClaim[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const c of claims) counts.set(c.resource, (counts.get(c.resource) ?? 0) + 1);
  return counts;
}

export interface ContentImplementation {
  readonly name: string;
  /** True when bytes survive a reopen, bare claims are read from storage and there is an archive. */
  readonly durable: boolean;
  /** A harness over fresh storage. */
  harness(): ContentHarness;
}

export function describeContentRepository(impl: ContentImplementation): void {
  const { durable } = impl;
  describe(`ContentRepository contract: ${impl.name}`, () => {
    let harness: ContentHarness;
    const open = (limits?: ContentLimits): ContentRepository => {
      harness = impl.harness();
      return harness.open(limits);
    };
    afterEach(() => harness.dispose());

    describe("write and read", () => {
      it("reads back what was written, before and after flush, and caches the bytes on the claim", () => {
        const repo = open();
        const bytes = Buffer.from("alpha");
        const a = repo.write(bytes);
        const b = repo.write(Buffer.from("bravo!"));
        expect([a.length, b.length]).toEqual([5, 6]);
        expect(a.data).toBe(bytes);
        expect(repo.read(a).toString()).toBe("alpha");
        repo.flush();
        expect(repo.read(b).toString()).toBe("bravo!");
      });

      it("gives distinct contents non-overlapping claims, each reading back its own bytes", () => {
        const repo = open({ maxAppendableClaimBytes: 256 });
        const claims = Array.from({ length: 50 }, (_, i) => repo.write(Buffer.from(`content-${i}`)));
        expect(new Set(claims.map((c) => `${c.resource}@${c.offset}`)).size).toBe(50);
        for (const [i, claim] of claims.entries()) expect(repo.read(claim).toString()).toBe(`content-${i}`);
        repo.flush();
        if (durable) for (const [i, claim] of claims.entries()) expect(repo.read(bare(claim)).toString()).toBe(`content-${i}`);
      });

      it("accepts empty content", () => {
        const repo = open();
        const claim = repo.write(Buffer.alloc(0));
        repo.flush();
        expect(claim.length).toBe(0);
        expect(repo.read(claim).length).toBe(0);
      });

      it("writeText stores the UTF-8 encoding; a kept text is the text", () => {
        const repo = open();
        const text = '{"id":1,"name":"Zoë ✓ 😀"}';
        const claim = repo.writeText(text);
        expect(claim.length).toBe(Buffer.byteLength(text, "utf8"));
        if (claim.text !== undefined) expect(claim.text).toBe(text);
        expect(repo.read(claim).equals(Buffer.from(text, "utf8"))).toBe(true);
        repo.flush();
        if (durable) expect(repo.read(bare(claim)).toString("utf8")).toBe(text);
      });

      it("throws ContentNotFoundError naming the resource for bytes that do not exist", () => {
        const repo = open();
        const ghost = new ContentClaim("7/999999", 0, 3);
        expect(() => repo.read(ghost)).toThrow(ContentNotFoundError);
        expect(() => repo.read(ghost)).toThrow(/7\/999999/);
      });

      it("reads a claim's cached bytes even when its resource is gone", () => {
        const repo = open();
        const cached = new ContentClaim("7/999999", 0, 3, Buffer.from("abc"));
        expect(repo.read(cached).toString()).toBe("abc");
      });
    });

    describe("reference counts", () => {
      it("start at zero, follow increments and decrements, and never go below zero", () => {
        const repo = open();
        const claim = repo.write(Buffer.from("x"));
        expect(repo.refCount(claim)).toBe(0);
        repo.incrementRef(claim);
        repo.incrementRef(claim);
        expect(repo.refCount(claim)).toBe(2);
        repo.decrementRef(claim);
        expect(repo.refCount(claim)).toBe(1);
        repo.decrementRef(claim);
        expect(repo.refCount(claim)).toBe(0);
        expect(() => repo.decrementRef(claim)).toThrow(/below zero/);
        expect(repo.refCount(claim)).toBe(0);
      });

      it("are per resource: a slice of a claim shares the claim's count", () => {
        const repo = open();
        const whole = repo.write(Buffer.from("0123456789"));
        // As the session slices (clone with a range): the bytes come from the whole claim's.
        const part = whole.slice(2, 3, repo.read(whole).subarray(2, 5));
        repo.incrementRef(whole);
        repo.incrementRef(part);
        expect(repo.refCount(whole)).toBe(2);
        expect(repo.refCount(part)).toBe(2);
        repo.decrementRef(whole);
        expect(repo.refCount(part)).toBe(1);
        expect(repo.read(part).toString()).toBe("234");
      });

      it("count every claim of one resource together, however contents are packed", () => {
        const repo = open({ maxAppendableClaimBytes: 16 });
        const claims = Array.from({ length: 10 }, (_, i) => repo.write(Buffer.from(`c${i}`.padEnd(5, "."))));
        for (const c of claims) repo.incrementRef(c);
        const expected = perResource(claims);
        for (const c of claims) expect(repo.refCount(c)).toBe(expected.get(c.resource));
      });
    });

    describe("cleanup and archive", () => {
      it("never touches referenced content, however old", () => {
        const repo = open({ maxAppendableClaimBytes: 4, archiveMaxAgeMs: HOUR, archiveMaxBytes: 1 });
        const claim = repo.write(Buffer.from("kept"));
        repo.incrementRef(claim);
        repo.flush();
        repo.cleanup(Date.now() + 1000 * HOUR);
        expect(repo.refCount(claim)).toBe(1);
        expect(repo.read(claim).toString()).toBe("kept");
        if (durable) expect(repo.read(bare(claim)).toString()).toBe("kept");
      });

      it("keeps unreferenced content readable (archive, or the claim's own bytes) until the limit", () => {
        const repo = open({ maxAppendableClaimBytes: 4, archiveMaxAgeMs: 12 * HOUR });
        const claim = repo.write(Buffer.from("gone"));
        repo.incrementRef(claim);
        repo.flush();
        repo.decrementRef(claim);
        const t0 = Date.now();
        repo.cleanup(t0);
        expect(repo.read(claim).toString()).toBe("gone");
        if (durable) {
          expect(repo.read(bare(claim)).toString()).toBe("gone");
          repo.cleanup(t0 + 11 * HOUR);
          expect(repo.read(bare(claim)).toString()).toBe("gone");
          repo.cleanup(t0 + 13 * HOUR);
          expect(() => repo.read(bare(claim))).toThrow(ContentNotFoundError);
        }
        // Bytes cached on a claim (a provenance event's, say) outlive the resource.
        expect(repo.read(claim).toString()).toBe("gone");
      });

      it("gives archived content back to a late reference, which cleanup then keeps", () => {
        const repo = open({ maxAppendableClaimBytes: 4, archiveMaxAgeMs: HOUR });
        const claim = repo.write(Buffer.from("late"));
        repo.flush();
        const t0 = Date.now();
        repo.cleanup(t0);
        repo.incrementRef(claim);
        expect(repo.refCount(claim)).toBe(1);
        repo.cleanup(t0 + 100 * HOUR);
        expect(repo.refCount(claim)).toBe(1);
        expect(repo.read(durable ? bare(claim) : claim).toString()).toBe("late");
      });

      it("flush and cleanup with nothing to do change nothing", () => {
        const repo = open();
        const claim = repo.write(Buffer.from("keep"));
        repo.incrementRef(claim);
        repo.flush();
        repo.flush();
        repo.cleanup();
        repo.cleanup();
        expect(repo.refCount(claim)).toBe(1);
        expect(repo.read(claim).toString()).toBe("keep");
      });
    });

    describe("recover", () => {
      it("rebuilds the counts per resource from the claims in use", () => {
        const first = open({ maxAppendableClaimBytes: 8 });
        const a = first.write(Buffer.from("a"));
        const b = first.write(Buffer.from("b".repeat(10)));
        const c = first.write(Buffer.from("c"));
        first.incrementRef(a);
        first.close();
        const repo = harness.open({ maxAppendableClaimBytes: 8 });
        repo.recover([bare(a), bare(b), bare(b)]);
        const expected = perResource([a, b, b]);
        for (const [resource, count] of expected) expect(repo.refCount(new ContentClaim(resource, 0, 0))).toBe(count);
        if (!expected.has(c.resource)) expect(repo.refCount(bare(c))).toBe(0);
        if (durable) expect(repo.read(bare(b)).toString()).toBe("b".repeat(10));
      });

      it("archives what no claim in use references: readable until the archive limit, never counted", () => {
        const first = open({ maxAppendableClaimBytes: 8 });
        const kept = first.write(Buffer.from("kept...."));
        const dropped = first.write(Buffer.from("dropped."));
        first.close();
        const repo = harness.open({ maxAppendableClaimBytes: 8, archiveMaxAgeMs: HOUR });
        repo.recover([bare(kept)]);
        expect(repo.refCount(bare(kept))).toBe(1);
        expect(repo.refCount(bare(dropped))).toBe(0);
        if (durable) {
          expect(repo.read(bare(dropped)).toString()).toBe("dropped.");
          repo.cleanup(Date.now() + 2 * HOUR);
          expect(() => repo.read(bare(dropped))).toThrow(ContentNotFoundError);
          expect(repo.read(bare(kept)).toString()).toBe("kept....");
        }
      });
    });

    describe("durability and close", () => {
      it.runIf(durable)("keeps flushed bytes across a restart, and only those", () => {
        const first = open({ maxAppendableClaimBytes: 4 });
        const flushed = first.write(Buffer.from("safe"));
        first.flush();
        const pending = first.write(Buffer.from("lost"));
        // A second repository over the same storage sees what a restart after a crash would.
        const after = harness.open({ maxAppendableClaimBytes: 4 });
        expect(after.read(bare(flushed)).toString()).toBe("safe");
        expect(() => after.read(bare(pending))).toThrow(ContentNotFoundError);
      });

      it("close flushes (a durable reopen reads everything), is idempotent, and ends the repository", () => {
        const repo = open();
        const claim = repo.write(Buffer.from("written before close"));
        repo.incrementRef(claim);
        repo.close();
        repo.close();
        expect(repo.refCount(claim)).toBe(1);
        for (const call of [
          () => repo.write(Buffer.from("x")),
          () => repo.writeText("x"),
          () => repo.read(claim),
          () => repo.incrementRef(claim),
          () => repo.decrementRef(claim),
          () => repo.flush(),
          () => repo.cleanup(),
          () => repo.recover([]),
        ]) {
          expect(call).toThrow(/closed/);
        }
        if (durable) expect(harness.open().read(bare(claim)).toString()).toBe("written before close");
      });
    });
  });
}
