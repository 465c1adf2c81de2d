// Runs the ContentRepository contract suite against every implementation, then what only one of
// them promises.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ContentClaim, ContentNotFoundError, type ContentRepository } from "../../../engine/core/content-claim";
import { FileContentRepository } from "../../../engine/repository/content/file-content-repository";
import { MemoryContentRepository } from "../../../engine/repository/content/memory-content-repository";
import { describeContentRepository, type ContentHarness, type ContentLimits } from "./content-repository.contract";

describeContentRepository({
  name: "MemoryContentRepository (volatile)",
  durable: false,
  harness(): ContentHarness {
    const opened: ContentRepository[] = [];
    return {
      open() {
        const repo = new MemoryContentRepository();
        opened.push(repo);
        return repo;
      },
      dispose: () => opened.forEach((r) => r.close()),
    };
  },
});

describeContentRepository({
  name: "FileContentRepository (durable)",
  durable: true,
  harness(): ContentHarness {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-content-"));
    const opened: ContentRepository[] = [];
    return {
      open(limits: ContentLimits = {}) {
        const repo = new FileContentRepository({ dir, ...limits });
        opened.push(repo);
        return repo;
      },
      dispose() {
        for (const repo of opened) repo.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  },
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
