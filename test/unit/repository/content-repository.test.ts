// One contract suite, run against every ContentRepository implementation (n8n style).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ContentClaim, ContentNotFoundError, type ContentRepository } from "../../../engine/core/content-claim";
import { FileContentRepository } from "../../../engine/repository/content/file-content-repository";
import { MemoryContentRepository } from "../../../engine/repository/content/memory-content-repository";

interface Harness {
  repo: ContentRepository;
  /** A fresh repository over the same storage (same instance for volatile ones). */
  reopen(): ContentRepository;
}

function describeContentRepository(name: string, create: () => Harness): void {
  describe(`ContentRepository contract: ${name}`, () => {
    let harness: Harness;
    afterEach(() => harness.repo.close());

    it("reads back what was written, before and after flush", () => {
      harness = create();
      const { repo } = harness;
      const a = repo.write(Buffer.from("alpha"));
      const b = repo.write(Buffer.from("bravo!"));
      expect(a.length).toBe(5);
      expect(b.length).toBe(6);
      expect(repo.read(a).toString()).toBe("alpha");
      repo.flush();
      expect(repo.read(b).toString()).toBe("bravo!");
    });

    it("writeText: its bytes are the UTF-8 encoding (also after reopening); a kept text is the text", () => {
      harness = create();
      const { repo } = harness;
      const text = '{"id":1,"name":"Zoë ✓ 😀"}';
      const claim = repo.writeText(text);
      const other = repo.write(Buffer.from("after"));
      expect(claim.length).toBe(Buffer.byteLength(text, "utf8"));
      if (claim.text !== undefined) expect(claim.text).toBe(text);
      expect(repo.read(claim).equals(Buffer.from(text, "utf8"))).toBe(true);
      repo.flush();
      expect(repo.read(other).toString()).toBe("after");
      repo.incrementRef(claim);
      const reopened = harness.reopen();
      // A claim as it comes back from the WAL: no cached text or bytes.
      const bare = new ContentClaim(claim.resource, claim.offset, claim.length);
      if (reopened !== repo) expect(reopened.read(bare).toString("utf8")).toBe(text);
    });

    it("gives distinct contents non-overlapping claims", () => {
      harness = create();
      const claims = Array.from({ length: 50 }, (_, i) => harness.repo.write(Buffer.from(`content-${i}`)));
      const ranges = new Set(claims.map((c) => `${c.resource}@${c.offset}`));
      expect(ranges.size).toBe(50);
      for (const [i, claim] of claims.entries()) expect(harness.repo.read(claim).toString()).toBe(`content-${i}`);
    });

    it("accepts empty content", () => {
      harness = create();
      const claim = harness.repo.write(Buffer.alloc(0));
      harness.repo.flush();
      expect(claim.length).toBe(0);
      expect(harness.repo.read(claim).length).toBe(0);
    });

    it("counts references per resource", () => {
      harness = create();
      const { repo } = harness;
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
    });

    it("recover rebuilds the counts from the claims in use", () => {
      harness = create();
      const a = harness.repo.write(Buffer.from("a"));
      const b = harness.repo.write(Buffer.from("b".repeat(10)));
      harness.repo.incrementRef(a);
      harness.repo.flush();
      harness.repo.close();
      const repo = harness.reopen();
      harness.repo = repo;
      const recoveredA = new ContentClaim(a.resource, a.offset, a.length);
      const recoveredB = new ContentClaim(b.resource, b.offset, b.length);
      repo.recover([recoveredA, recoveredB, recoveredB]);
      // Counts are per resource: a and b may share one (packed) or not (one resource each).
      const perResource = new Map<string, number>();
      for (const c of [a, b, b]) perResource.set(c.resource, (perResource.get(c.resource) ?? 0) + 1);
      for (const [resource, count] of perResource) expect(repo.refCount(new ContentClaim(resource, 0, 0))).toBe(count);
      expect([...perResource.values()].reduce((x, y) => x + y, 0)).toBe(3);
    });

    it("throws ContentNotFoundError for a claim whose bytes do not exist", () => {
      harness = create();
      const ghost = new ContentClaim("7/999999", 0, 3);
      expect(() => harness.repo.read(ghost)).toThrow(ContentNotFoundError);
      expect(() => harness.repo.read(ghost)).toThrow(/7\/999999/);
    });

    it("flush and cleanup with nothing pending change nothing", () => {
      harness = create();
      const claim = harness.repo.write(Buffer.from("keep"));
      harness.repo.incrementRef(claim);
      harness.repo.flush();
      harness.repo.flush();
      harness.repo.cleanup();
      expect(harness.repo.refCount(claim)).toBe(1);
      expect(harness.repo.read(claim).toString()).toBe("keep");
    });
  });
}

const tempDirs: string[] = [];
afterEach(() => {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describeContentRepository("MemoryContentRepository", () => {
  const repo = new MemoryContentRepository();
  return { repo, reopen: () => repo };
});

describeContentRepository("FileContentRepository", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-content-"));
  tempDirs.push(dir);
  return { repo: new FileContentRepository({ dir }), reopen: () => new FileContentRepository({ dir }) };
});

describe("MemoryContentRepository", () => {
  it("cannot read a claim that lost its data (volatile)", () => {
    const repo = new MemoryContentRepository();
    const claim = repo.write(Buffer.from("gone"));
    expect(() => repo.read(new ContentClaim(claim.resource, claim.offset, claim.length))).toThrow(ContentNotFoundError);
  });

  it("keeps text written as text, and encodes it once, on the first read of its bytes", () => {
    const repo = new MemoryContentRepository();
    const claim = repo.writeText("héllo");
    expect(claim.text).toBe("héllo");
    expect(claim.data).toBeUndefined();
    const bytes = repo.read(claim);
    expect(bytes.toString("hex")).toBe(Buffer.from("héllo").toString("hex"));
    expect(repo.read(claim)).toBe(bytes);
  });
});
