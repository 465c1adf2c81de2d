// Behaviour specific to the durable FileContentRepository: packing, archive, limits, recovery.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ContentClaim, ContentNotFoundError } from "../../../engine/core/content-claim";
import {
  FileContentRepository,
  type FileContentRepositoryOptions,
} from "../../../engine/repository/content/file-content-repository";

const HOUR = 3_600_000;
const dirs: string[] = [];
const repos: FileContentRepository[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sluice-content-file-"));
  dirs.push(dir);
  return dir;
}

/** Without files created ahead unless asked for: most tests here count the files on disk. */
function open(options: FileContentRepositoryOptions): FileContentRepository {
  const repo = new FileContentRepository({ createAhead: 0, ...options });
  repos.push(repo);
  return repo;
}

/** Every resource file under `<dir>/<kind>`, as `<section>/<id>`. */
function files(dir: string, kind: "content" | "archive"): string[] {
  const root = path.join(dir, kind);
  return fs.readdirSync(root).flatMap((section) => fs.readdirSync(path.join(root, section)).map((f) => `${section}/${f}`));
}

/** The claim as it comes back from a swap file or the FlowFile repository: no cached bytes. */
function bare(claim: ContentClaim): ContentClaim {
  return new ContentClaim(claim.resource, claim.offset, claim.length);
}

afterEach(() => {
  for (const repo of repos.splice(0)) repo.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** This process's descriptors open on `file`. */
function fdsTo(file: string): string[] {
  return fs.readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false;
    }
  });
}

/** Waits (without a fixed sleep) until `check` holds, polling the event loop. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("FileContentRepository", () => {
  it("creates the next resources' files ahead, writes into them, and deletes the unused ones on close", async () => {
    const dir = tempDir();
    const repo = open({ dir, maxAppendableClaimBytes: 1024, createAhead: 2 });
    const first = repo.write(Buffer.alloc(1024, 1));
    // Resource 0 is being written; 1 and 2 are created on the thread pool.
    await until(() => repo.createdAhead() === 2, "two files created ahead");
    expect(files(dir, "content").sort()).toEqual(["1/1", "2/2"]);
    const second = repo.write(Buffer.alloc(1024, 2));
    const third = repo.write(Buffer.alloc(512, 3));
    expect([first.resource, second.resource, third.resource]).toEqual(["0/0", "1/1", "2/2"]);
    // Still unflushed, 1 and 2 have not taken theirs yet; 3 and 4 are created ahead too.
    await until(() => repo.createdAhead() === 4, "files created ahead of resources 3 and 4");
    expect(files(dir, "content").sort()).toEqual(["1/1", "2/2", "3/3", "4/4"]);
    const ahead = fdsTo(path.join(dir, "content", "2/2"));
    expect(ahead).toHaveLength(1);
    repo.flush();
    // Resource 2 (still appended to) is written through the descriptor created ahead, not a
    // second one; resource 1 (full) is closed.
    expect(fdsTo(path.join(dir, "content", "2/2"))).toEqual(ahead);
    expect(fdsTo(path.join(dir, "content", "1/1"))).toEqual([]);
    for (const [claim, byte] of [[first, 1], [second, 2], [third, 3]] as const) {
      expect(repo.read(bare(claim)).equals(Buffer.alloc(claim.length, byte))).toBe(true);
      expect(fs.readFileSync(path.join(dir, "content", claim.resource)).equals(Buffer.alloc(claim.length, byte))).toBe(true);
    }
    expect(repo.createdAhead()).toBe(2);
    repo.close();
    // 3 and 4 were never used: gone.
    expect(files(dir, "content").sort()).toEqual(["0/0", "1/1", "2/2"]);
    // Numbering goes on after them all the same, and a file a crash left ahead is retired as
    // unreferenced by recover.
    fs.writeFileSync(path.join(dir, "content", "5/5"), "");
    const reopened = open({ dir, maxAppendableClaimBytes: 1024 });
    reopened.recover([second]);
    expect(files(dir, "content")).toEqual(["1/1"]);
    expect(Number(reopened.write(Buffer.from("x")).resource.split("/")[1])).toBeGreaterThan(5);
  });

  it("packs many small contents into few append-only resource files", () => {
    const dir = tempDir();
    const repo = open({ dir, maxAppendableClaimBytes: 64 * 1024 });
    const claims = Array.from({ length: 1000 }, (_, i) => repo.write(Buffer.from(`${i}:`.padEnd(1000, "x"))));
    repo.flush();
    const onDisk = files(dir, "content");
    // 1,000 KB of content in 64 KB resources: 16 files (15 full, one partly filled).
    expect(onDisk.length).toBe(16);
    expect(new Set(claims.map((c) => c.resource)).size).toBe(16);
    for (const name of onDisk) expect(fs.statSync(path.join(dir, "content", name)).size).toBeLessThanOrEqual(64 * 1024);
    repo.close();
    const reopened = open({ dir, maxAppendableClaimBytes: 64 * 1024 });
    for (const i of [0, 1, 63, 64, 500, 999]) {
      expect(reopened.read(bare(claims[i]!)).toString()).toBe(`${i}:`.padEnd(1000, "x"));
    }
  });

  it("gives a written resource's slab to the next resources, and each keeps its own bytes", () => {
    const dir = tempDir();
    const repo = open({ dir, maxAppendableClaimBytes: 4096 });
    const content = (i: number) => Buffer.from(`${i}:`.padEnd(1024, String.fromCharCode(97 + (i % 26))));
    // Four resources of four contents each, flushed as they fill: from the third on, a new
    // resource takes a slab given back by a written one instead of allocating.
    const claims: ContentClaim[] = [];
    const alloc = vi.spyOn(Buffer, "allocUnsafe");
    const allocations: number[] = [];
    for (let r = 0; r < 4; r++) {
      const before = alloc.mock.calls.length;
      for (let i = 0; i < 4; i++) claims.push(repo.write(content(r * 4 + i)));
      allocations.push(alloc.mock.calls.length - before);
      // Bytes of the resource being written, read before its flush, are its own (a copy).
      expect(repo.read(bare(claims.at(-1)!)).toString()).toBe(content(r * 4 + 3).toString());
      repo.flush();
    }
    alloc.mockRestore();
    expect(new Set(claims.map((c) => c.resource)).size).toBe(4);
    expect(allocations.slice(2)).toEqual([0, 0]);
    for (const [i, claim] of claims.entries()) expect(repo.read(bare(claim)).toString()).toBe(content(i).toString());
    repo.close();
    const reopened = open({ dir, maxAppendableClaimBytes: 4096 });
    for (const [i, claim] of claims.entries()) expect(reopened.read(bare(claim)).toString()).toBe(content(i).toString());
  });

  it("writeText packs text into the same resource files as write, and a big text gets its own", () => {
    const dir = tempDir();
    const repo = open({ dir, maxAppendableClaimBytes: 1024 });
    const a = repo.writeText("alpha ✓");
    const b = repo.write(Buffer.from("bravo"));
    const big = repo.writeText("x".repeat(3000));
    const c = repo.writeText("charlie");
    expect(b.resource).toBe(a.resource);
    expect(b.offset).toBe(a.length);
    expect(c.resource).toBe(a.resource);
    expect(big.resource).not.toBe(a.resource);
    repo.flush();
    const onDisk = fs.readFileSync(path.join(dir, "content", a.resource), "utf8");
    expect(onDisk).toBe("alpha ✓bravocharlie");
    expect(fs.statSync(path.join(dir, "content", big.resource)).size).toBe(3000);
    expect(repo.read(bare(big)).toString()).toBe("x".repeat(3000));
  });

  it("gives a content bigger than the limit a resource of its own", () => {
    const dir = tempDir();
    const repo = open({ dir, maxAppendableClaimBytes: 1024 });
    const small = repo.write(Buffer.from("small"));
    const big = repo.write(Buffer.alloc(5000, 7));
    const after = repo.write(Buffer.from("after"));
    expect(big.resource).not.toBe(small.resource);
    expect(big.offset).toBe(0);
    expect(after.resource).toBe(small.resource);
    repo.flush();
    expect(fs.statSync(path.join(dir, "content", big.resource)).size).toBe(5000);
    expect(repo.read(bare(big)).equals(Buffer.alloc(5000, 7))).toBe(true);
    expect(repo.read(bare(after)).toString()).toBe("after");
  });

  it("copies the bytes at write, so later changes to the caller's buffer do not reach disk", () => {
    const dir = tempDir();
    const repo = open({ dir });
    const buffer = Buffer.from("original");
    const claim = repo.write(buffer);
    expect(claim.data).toBe(buffer);
    buffer.write("mutated!");
    repo.flush();
    expect(repo.read(bare(claim)).toString()).toBe("original");
  });

  it("keeps nothing on disk before flush and everything after", () => {
    const dir = tempDir();
    const repo = open({ dir });
    const claim = repo.write(Buffer.from("pending"));
    expect(fs.existsSync(path.join(dir, "content", claim.resource))).toBe(false);
    expect(repo.read(bare(claim)).toString()).toBe("pending");
    repo.flush();
    expect(fs.readFileSync(path.join(dir, "content", claim.resource)).toString()).toBe("pending");
    const next = repo.write(Buffer.from("+more"));
    repo.flush();
    expect(next.resource).toBe(claim.resource);
    expect(fs.readFileSync(path.join(dir, "content", claim.resource)).toString()).toBe("pending+more");
  });

  it("archives an unreferenced closed resource at cleanup and still reads it from the archive", () => {
    const dir = tempDir();
    const repo = open({ dir, maxAppendableClaimBytes: 10 });
    const a = repo.write(Buffer.from("0123456789")); // fills and closes its resource
    const b = repo.write(Buffer.from("next"));
    repo.incrementRef(a);
    repo.incrementRef(b);
    repo.flush();
    repo.decrementRef(a);
    // decrementRef does no file-system work: the move happens in cleanup.
    expect(files(dir, "content")).toContain(a.resource);
    const now = Date.now();
    repo.cleanup(now);
    expect(files(dir, "content")).not.toContain(a.resource);
    expect(files(dir, "archive")).toEqual([a.resource]);
    expect(repo.archiveBytes()).toBe(10);
    expect(repo.read(bare(a)).toString()).toBe("0123456789");
    expect(files(dir, "content")).toContain(b.resource);
  });

  it("never archives the resource being appended to, even at zero references", () => {
    const dir = tempDir();
    const repo = open({ dir });
    const claim = repo.write(Buffer.from("current"));
    repo.incrementRef(claim);
    repo.flush();
    repo.decrementRef(claim);
    repo.cleanup();
    expect(files(dir, "content")).toEqual([claim.resource]);
    expect(files(dir, "archive")).toEqual([]);
  });

  it("does not archive a closed resource whose bytes are still pending, until flushed", () => {
    const dir = tempDir();
    const repo = open({ dir, maxAppendableClaimBytes: 4 });
    const claim = repo.write(Buffer.from("abcd")); // closed, count 0, not flushed
    repo.cleanup();
    expect(files(dir, "archive")).toEqual([]);
    repo.flush();
    repo.cleanup();
    expect(files(dir, "archive")).toEqual([claim.resource]);
    expect(repo.read(bare(claim)).toString()).toBe("abcd");
  });

  it("deletes archived content past the age limit; reading it throws ContentNotFoundError naming the resource", () => {
    const dir = tempDir();
    const repo = open({ dir, maxAppendableClaimBytes: 4, archiveMaxAgeMs: 12 * HOUR });
    const claim = repo.write(Buffer.from("old!"));
    repo.flush();
    const t0 = Date.now();
    repo.read(bare(claim)); // leaves a cached read descriptor, which must not keep the file readable
    repo.cleanup(t0);
    expect(files(dir, "archive")).toEqual([claim.resource]);
    repo.cleanup(t0 + 11 * HOUR);
    expect(files(dir, "archive")).toEqual([claim.resource]);
    repo.cleanup(t0 + 13 * HOUR);
    expect(files(dir, "archive")).toEqual([]);
    expect(repo.archiveBytes()).toBe(0);
    expect(() => repo.read(bare(claim))).toThrow(ContentNotFoundError);
    expect(() => repo.read(bare(claim))).toThrow(claim.resource);
  });

  it("deletes the oldest archived resources first when the archive is over its size limit", () => {
    const dir = tempDir();
    const repo = open({ dir, maxAppendableClaimBytes: 100, archiveMaxBytes: 250 });
    const t0 = Date.now();
    const claims: ContentClaim[] = [];
    for (let i = 0; i < 4; i++) {
      const claim = repo.write(Buffer.alloc(100, 65 + i));
      claims.push(claim);
      repo.flush();
      repo.cleanup(t0 + i * 1000);
    }
    // Four 100-byte resources archived one after another; 250 bytes keep the newest two.
    expect(files(dir, "archive").sort()).toEqual([claims[2]!.resource, claims[3]!.resource].sort());
    expect(repo.archiveBytes()).toBe(200);
    expect(() => repo.read(bare(claims[0]!))).toThrow(ContentNotFoundError);
    expect(repo.read(bare(claims[3]!)).toString()).toBe("D".repeat(100));
  });

  it("deletes unreferenced resources at once when archiving is off", () => {
    const dir = tempDir();
    const repo = open({ dir, maxAppendableClaimBytes: 4, archive: false });
    const claim = repo.write(Buffer.from("gone"));
    repo.flush();
    repo.cleanup();
    expect(files(dir, "content")).toEqual([]);
    expect(files(dir, "archive")).toEqual([]);
    expect(() => repo.read(bare(claim))).toThrow(ContentNotFoundError);
  });

  it("brings an archived resource back when a late commit references it again", () => {
    const dir = tempDir();
    const repo = open({ dir, maxAppendableClaimBytes: 4 });
    const claim = repo.write(Buffer.from("late"));
    repo.flush();
    repo.cleanup();
    expect(files(dir, "archive")).toEqual([claim.resource]);
    repo.incrementRef(claim);
    expect(files(dir, "archive")).toEqual([]);
    expect(files(dir, "content")).toEqual([claim.resource]);
    expect(repo.archiveBytes()).toBe(0);
    repo.cleanup(Date.now() + 100 * HOUR);
    expect(repo.read(bare(claim)).toString()).toBe("late");
  });

  it("recover archives every resource no recovered FlowFile references and keeps the rest", () => {
    const dir = tempDir();
    const first = open({ dir, maxAppendableClaimBytes: 8 });
    const kept = first.write(Buffer.from("kept...."));
    const dropped = first.write(Buffer.from("dropped."));
    const tail = first.write(Buffer.from("tail"));
    first.flush();
    first.close();

    const repo = open({ dir, maxAppendableClaimBytes: 8 });
    repo.recover([bare(kept)]);
    expect(repo.refCount(kept)).toBe(1);
    expect(files(dir, "content")).toEqual([kept.resource]);
    expect(files(dir, "archive").sort()).toEqual([dropped.resource, tail.resource].sort());
    expect(repo.read(bare(dropped)).toString()).toBe("dropped.");
  });

  it("numbers resources after the highest existing id across restarts, even when all were deleted", () => {
    const dir = tempDir();
    const first = open({ dir, maxAppendableClaimBytes: 4, archive: false });
    const ids = [0, 1, 2].map(() => first.write(Buffer.from("four")).resource);
    first.flush();
    first.cleanup();
    first.close();
    expect(files(dir, "content")).toEqual([]);

    const second = open({ dir, maxAppendableClaimBytes: 4 });
    const next = second.write(Buffer.from("new!")).resource;
    expect(ids).not.toContain(next);
    const idOf = (name: string): number => Number(name.split("/")[1]);
    expect(idOf(next)).toBeGreaterThan(Math.max(...ids.map(idOf)));
  });

  it("does not leak read descriptors for many resources", () => {
    const dir = tempDir();
    const repo = open({ dir, maxAppendableClaimBytes: 4, maxOpenReadFiles: 8 });
    const claims = Array.from({ length: 100 }, (_, i) => repo.write(Buffer.from(String(i).padStart(4, "0"))));
    repo.flush();
    const fdCount = (): number => fs.readdirSync("/proc/self/fd").length;
    const before = fdCount();
    for (const [i, claim] of claims.entries()) expect(repo.read(bare(claim)).toString()).toBe(String(i).padStart(4, "0"));
    expect(fdCount() - before).toBeLessThanOrEqual(8);
  });

  it("keeps every unwritten byte pending when a flush fails, and the next flush writes it", () => {
    const dir = tempDir();
    const repo = open({ dir, maxAppendableClaimBytes: 4 });
    // Three closed resources and an open one, all pending.
    const claims = ["aaaa", "bbbb", "cccc", "dd"].map((text) => repo.write(Buffer.from(text)));
    // The repository's one writeSync form: positional, from a buffer.
    const positional = fs as unknown as { writeSync(fd: number, buffer: Buffer, offset: number, length: number, position: number): number };
    const realWriteSync = positional.writeSync.bind(fs);
    let calls = 0;
    const writeSync = vi.spyOn(positional, "writeSync").mockImplementation((fd, buffer, offset, length, position) => {
      // The second resource's write fails, once.
      if (++calls === 2) throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
      return realWriteSync(fd, buffer, offset, length, position);
    });
    try {
      expect(() => repo.flush()).toThrow(/ENOSPC/);
    } finally {
      writeSync.mockRestore();
    }
    repo.flush();
    const reopened = open({ dir, maxAppendableClaimBytes: 4 });
    expect(claims.map((c) => reopened.read(bare(c)).toString())).toEqual(["aaaa", "bbbb", "cccc", "dd"]);
  });

  it("fsyncs flushed files when sync is on", () => {
    const dir = tempDir();
    const repo = open({ dir, sync: true });
    const claim = repo.write(Buffer.from("synced"));
    repo.flush();
    expect(fs.readFileSync(path.join(dir, "content", claim.resource)).toString()).toBe("synced");
  });
});
