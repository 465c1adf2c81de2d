import fs from "node:fs";
import path from "node:path";
import { ContentClaim, ContentNotFoundError, type ContentRepository } from "../../core/content-claim";

export interface FileContentRepositoryOptions {
  /** Repository root; resources live in `<dir>/content/<section>/<id>`, archived ones in `<dir>/archive/<section>/<id>`. */
  dir: string;
  /** A resource file is closed for appending once it holds this many bytes; bigger contents get a resource of their own. @default 1 MiB */
  maxAppendableClaimBytes?: number;
  /** Archived resources older than this are deleted by `cleanup`. @default 12 h */
  archiveMaxAgeMs?: number;
  /** `cleanup` deletes the oldest archived resources while the archive holds more than this. @default 1 GiB */
  archiveMaxBytes?: number;
  /** Keep unreferenced resources in the archive (provenance content view, replay); false deletes them at once. @default true */
  archive?: boolean;
  /** `flush` also fdatasyncs every file it wrote to. @default false */
  sync?: boolean;
  /** Number of section directories resources are spread over. @default 16 */
  sections?: number;
  /** Read file descriptors kept open (least recently used is closed first). @default 64 */
  maxOpenReadFiles?: number;
  /** Resource files created ahead of use, on libuv's thread pool (see `preopen`); 0 creates each when it is first flushed. @default 2 */
  createAhead?: number;
}

const MIB = 1024 * 1024;
const RESOURCE_NAME = /^(\d+)\/(\d+)$/;
/** First slab of a resource; it doubles up to `maxAppendableClaimBytes` as content arrives. */
const INITIAL_SLAB_BYTES = 64 * 1024;
/**
 * Full-size slabs kept for the next resources once theirs are written and closed. Why: a new
 * slab started at 64 KiB and doubled, so each megabyte of content was copied about twice more
 * while it grew, into fresh memory that the kernel had to fault in page by page; in cluster-hop
 * those page faults were 3-5% of the engine thread. Two cover a resource being appended to and
 * one waiting for its flush.
 */
const SPARE_SLABS = 2;
/** Resource ids are reserved on disk in blocks of this many (see `reserveIds`). */
const ID_BLOCK = 1024;

/** A resource that has bytes not yet on disk, or is still being appended to. */
interface WritableResource {
  readonly id: number;
  readonly name: string;
  readonly path: string;
  fd: number;
  /**
   * Every byte of the resource, `[0, length)`. Resources are at most `maxAppendableClaimBytes`
   * (or exactly one large content), so keeping the whole resource in one buffer until it is
   * closed and flushed is bounded, and `flush` needs one `writeSync` per resource.
   */
  slab: Buffer;
  length: number;
  flushed: number;
}

interface ArchivedResource {
  readonly size: number;
  readonly archivedAt: number;
}

/**
 * Durable content repository: contents are packed into append-only resource files.
 *
 * Contract (on top of `ContentRepository`):
 * - `write` copies the bytes into the pending slab of the current resource and returns a claim
 *   whose `data` is the caller's buffer; nothing reaches the disk before `flush`.
 * - `flush` writes every pending byte with one `writeSync` per touched resource (positional, on
 *   file descriptors kept open while a resource is appended to); with nothing pending it
 *   returns after one boolean check, so it can run at every group commit. A failed write
 *   throws and leaves every unwritten byte pending, so the next `flush` writes it.
 * - A resource whose count is zero and that is neither appended to nor waiting for `flush`
 *   is archivable; `cleanup` moves it into the archive (or deletes it when `archive` is false),
 *   then deletes archived resources over the age or size limit, oldest first. `decrementRef`
 *   only records the candidate, so the hot path does no file-system work.
 * - `incrementRef` on an archived resource (a claim written by a session that committed after
 *   its resource was archived) moves the resource back out of the archive.
 * - `read` of a claim without `data` reads the live or archived file through a small LRU of
 *   descriptors and sets `claim.data`; a deleted resource raises `ContentNotFoundError` naming it.
 * - Resource ids increase across restarts: the constructor continues after the highest id found
 *   in the content and archive directories.
 * - The files of the next `createAhead` resources are created ahead of use, off the engine's
 *   thread: up to that many empty files beyond the last resource exist. `close` deletes them;
 *   one that a crash left is an unreferenced resource, which `recover` retires.
 */
export class FileContentRepository implements ContentRepository {
  private readonly contentDir: string;
  private readonly archiveDir: string;
  private readonly maxAppendable: number;
  private readonly archiveMaxAgeMs: number;
  private readonly archiveMaxBytes: number;
  private readonly archiveEnabled: boolean;
  private readonly sync: boolean;
  private readonly sections: number;
  private readonly maxOpenReadFiles: number;
  private readonly createAhead: number;

  private nextId = 0;
  /** Ids below this are reserved in `<dir>/next-resource-id`. */
  private reservedId = 0;
  private readonly idFile: string;
  private current: WritableResource | null = null;
  /** Resources with bytes not yet flushed or still open for appending, by name. */
  private readonly writable = new Map<string, WritableResource>();
  /** Closed resources whose last bytes still have to be flushed. */
  private readonly closing: WritableResource[] = [];
  /** Slabs of `maxAppendable` bytes that no resource uses any more (see SPARE_SLABS). */
  private readonly spareSlabs: Buffer[] = [];
  private dirty = false;
  private closed = false;

  private readonly counts = new Map<string, number>();
  /** Resources that reached zero references; `cleanup` re-checks and archives them. */
  private readonly candidates = new Set<string>();
  /** Archived resources in archive order (oldest first). */
  private readonly archived = new Map<string, ArchivedResource>();
  private archivedBytes = 0;
  /** Read descriptors, least recently used first. */
  private readonly readFds = new Map<string, number>();
  /** Descriptors of resource files created ahead of use, by resource id (see `preopen`). */
  private readonly preopened = new Map<number, number>();
  /** Ids below this were given to `preopen` (opened, in flight, or given up). */
  private preopenHigh = 0;
  /** Changes when `recover` forgets the files created ahead; an open of an older one is dropped. */
  private preopenEpoch = 0;

  constructor(options: FileContentRepositoryOptions) {
    this.contentDir = path.join(options.dir, "content");
    this.archiveDir = path.join(options.dir, "archive");
    this.idFile = path.join(options.dir, "next-resource-id");
    this.maxAppendable = options.maxAppendableClaimBytes ?? MIB;
    this.archiveMaxAgeMs = options.archiveMaxAgeMs ?? 12 * 3_600_000;
    this.archiveMaxBytes = options.archiveMaxBytes ?? 1024 * MIB;
    this.archiveEnabled = options.archive ?? true;
    this.sync = options.sync ?? false;
    this.sections = options.sections ?? 16;
    this.maxOpenReadFiles = options.maxOpenReadFiles ?? 64;
    this.createAhead = options.createAhead ?? 2;
    if (!(this.maxAppendable > 0)) throw new Error("maxAppendableClaimBytes must be positive");
    this.scan();
  }

  write(data: Buffer): ContentClaim {
    if (this.closed) throw closedError();
    const length = data.length;
    if (length > this.maxAppendable) {
      const resource = this.newResource(Buffer.from(data));
      resource.length = length;
      this.closing.push(resource);
      this.dirty = true;
      return new ContentClaim(resource.name, 0, length, data);
    }
    let current = this.current;
    if (current === null || current.length + length > this.maxAppendable) {
      this.closeCurrent();
      current = this.current = this.newResource(this.spareSlabs.pop() ?? Buffer.allocUnsafe(Math.min(this.maxAppendable, INITIAL_SLAB_BYTES)));
    }
    const offset = current.length;
    if (offset + length > current.slab.length) {
      let size = current.slab.length * 2;
      while (size < offset + length) size *= 2;
      const grown = Buffer.allocUnsafe(Math.min(size, this.maxAppendable));
      current.slab.copy(grown, 0, 0, offset);
      current.slab = grown;
    }
    data.copy(current.slab, offset);
    current.length = offset + length;
    this.dirty = true;
    const claim = new ContentClaim(current.name, offset, length, data);
    if (current.length >= this.maxAppendable) this.closeCurrent();
    return claim;
  }

  /**
   * Does not keep the text. Measured on linear-5 durable (interleaved runs): encoding straight
   * into the slab and keeping `claim.text` cost ~5-10% more main-thread time than this, because
   * tens of thousands of queued contents then live as strings on the V8 heap (copied and
   * promoted by the collector) instead of as bytes outside it.
   */
  writeText(text: string): ContentClaim {
    return this.write(Buffer.from(text, "utf8"));
  }

  read(claim: ContentClaim): Buffer {
    if (this.closed) throw closedError();
    if (claim.data !== undefined) return claim.data;
    const pending = this.writable.get(claim.resource);
    if (pending !== undefined && claim.offset + claim.length <= pending.length) {
      claim.data = Buffer.from(pending.slab.subarray(claim.offset, claim.offset + claim.length));
      return claim.data;
    }
    const fd = this.readFd(claim.resource);
    const buffer = Buffer.allocUnsafe(claim.length);
    let done = 0;
    while (done < claim.length) {
      const n = fs.readSync(fd, buffer, done, claim.length - done, claim.offset + done);
      if (n === 0) {
        throw new ContentNotFoundError(
          `content ${claim.resource}@${claim.offset}+${claim.length} is truncated: resource ${claim.resource} ends before it`,
        );
      }
      done += n;
    }
    claim.data = buffer;
    return buffer;
  }

  incrementRef(claim: ContentClaim): void {
    if (this.closed) throw closedError();
    const name = claim.resource;
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    if (this.archived.size > 0 && this.archived.has(name)) this.restore(name);
  }

  decrementRef(claim: ContentClaim): void {
    if (this.closed) throw closedError();
    const name = claim.resource;
    const count = this.counts.get(name) ?? 0;
    if (count <= 0) throw new Error(`reference count of content resource ${name} would drop below zero`);
    if (count === 1) {
      this.counts.delete(name);
      this.candidates.add(name);
    } else {
      this.counts.set(name, count - 1);
    }
  }

  flush(): void {
    if (this.closed) throw closedError();
    this.flushPending();
  }

  private flushPending(): void {
    if (!this.dirty) return;
    // Resources leave `closing` only once written and closed: after a failed write the next
    // flush resumes each one at its `flushed` mark.
    const closing = this.closing;
    for (const resource of closing) this.writeOut(resource);
    const current = this.current;
    if (current !== null && current.flushed < current.length) this.writeOut(current);
    if (this.sync) {
      for (const resource of closing) if (resource.fd >= 0) fs.fdatasyncSync(resource.fd);
      if (current !== null && current.fd >= 0) fs.fdatasyncSync(current.fd);
    }
    while (closing.length > 0) {
      const resource = closing[0] as WritableResource;
      const fd = resource.fd;
      resource.fd = -1;
      if (fd >= 0) fs.closeSync(fd);
      closing.shift();
      this.writable.delete(resource.name);
      // Nothing refers to a written slab any more (`read` copies out of pending ones).
      if (resource.slab.length === this.maxAppendable && this.spareSlabs.length < SPARE_SLABS) this.spareSlabs.push(resource.slab);
      if (!this.counts.has(resource.name)) this.candidates.add(resource.name);
    }
    this.dirty = false;
  }

  cleanup(now: number = Date.now()): void {
    if (this.closed) throw closedError();
    for (const name of this.candidates) {
      if (this.counts.has(name) || this.writable.has(name)) {
        if (this.counts.has(name)) this.candidates.delete(name);
        continue;
      }
      this.candidates.delete(name);
      this.retire(name, now);
    }
    const oldestKept = now - this.archiveMaxAgeMs;
    for (const [name, entry] of this.archived) {
      if (entry.archivedAt >= oldestKept && this.archivedBytes <= this.archiveMaxBytes) break;
      this.deleteArchived(name);
    }
  }

  recover(claimsInUse: Iterable<ContentClaim>): void {
    if (this.closed) throw closedError();
    this.counts.clear();
    this.candidates.clear();
    this.dropPreopened();
    for (const claim of claimsInUse) this.incrementRef(claim);
    const now = Date.now();
    for (const name of this.listResources(this.contentDir)) {
      if (!this.counts.has(name) && !this.writable.has(name)) this.retire(name, now);
    }
  }

  refCount(claim: ContentClaim): number {
    return this.counts.get(claim.resource) ?? 0;
  }

  /** Flushes (a failed flush throws and leaves the repository open), then releases every descriptor. */
  close(): void {
    if (this.closed) return;
    this.flushPending();
    this.closed = true;
    if (this.current !== null && this.current.fd >= 0) fs.closeSync(this.current.fd);
    this.current = null;
    this.writable.clear();
    for (const fd of this.readFds.values()) fs.closeSync(fd);
    this.readFds.clear();
    // Files created ahead that no resource used: empty, and no claim can point into them.
    for (const [id, fd] of this.preopened) {
      fs.closeSync(fd);
      fs.rmSync(path.join(this.contentDir, this.resourceName(id)), { force: true });
    }
    this.preopened.clear();
  }

  /** Files created ahead whose descriptors are ready for resources still to come (diagnostics, tests). */
  createdAhead(): number {
    return this.preopened.size;
  }

  /** Bytes currently held by the archive (diagnostics). */
  archiveBytes(): number {
    return this.archivedBytes;
  }

  private scan(): void {
    let maxId = -1;
    for (let s = 0; s < this.sections; s++) {
      fs.mkdirSync(path.join(this.contentDir, String(s)), { recursive: true });
      fs.mkdirSync(path.join(this.archiveDir, String(s)), { recursive: true });
    }
    for (const name of this.listResources(this.contentDir)) maxId = Math.max(maxId, resourceId(name));
    const archived: Array<[string, ArchivedResource]> = [];
    for (const name of this.listResources(this.archiveDir)) {
      maxId = Math.max(maxId, resourceId(name));
      const stat = fs.statSync(path.join(this.archiveDir, name));
      archived.push([name, { size: stat.size, archivedAt: stat.mtimeMs }]);
    }
    archived.sort((a, b) => a[1].archivedAt - b[1].archivedAt || resourceId(a[0]) - resourceId(b[0]));
    for (const [name, entry] of archived) {
      this.archived.set(name, entry);
      this.archivedBytes += entry.size;
    }
    let reserved = 0;
    try {
      reserved = Number.parseInt(fs.readFileSync(this.idFile, "utf8"), 10) || 0;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    this.nextId = Math.max(maxId + 1, reserved);
    this.reservedId = this.nextId;
  }

  /**
   * Why: once the archive has deleted every old resource, the directories no longer show which
   * ids were used, and a reused id would make old provenance events show new content. The
   * high-water mark is persisted a block ahead, so this costs one small write per block.
   */
  private reserveIds(): void {
    this.reservedId = this.nextId + ID_BLOCK;
    const temp = `${this.idFile}.tmp`;
    fs.writeFileSync(temp, String(this.reservedId));
    fs.renameSync(temp, this.idFile);
  }

  /** Names (`<section>/<id>`) of the resource files under `root`, any section count. */
  private listResources(root: string): string[] {
    const names: string[] = [];
    for (const section of fs.readdirSync(root)) {
      if (!/^\d+$/.test(section)) continue;
      for (const file of fs.readdirSync(path.join(root, section))) {
        if (/^\d+$/.test(file)) names.push(`${section}/${file}`);
      }
    }
    return names;
  }

  private newResource(slab: Buffer): WritableResource {
    if (this.nextId >= this.reservedId) this.reserveIds();
    const id = this.nextId++;
    const name = this.resourceName(id);
    const resource: WritableResource = { id, name, path: path.join(this.contentDir, name), fd: -1, slab, length: 0, flushed: 0 };
    this.writable.set(name, resource);
    this.preopen();
    return resource;
  }

  /**
   * Creates the files of the next resources on libuv's thread pool, so that `flush` finds them
   * open. Why: creating a file cost the engine's thread 0.5-0.75 ms here (ext4 on a virtual
   * disk), once per megabyte of content: in cluster-hop 54 ms of a local run and 114 ms of a
   * distributed one, which writes every content twice (at the source and where it is taken).
   * Opened without O_TRUNC, so one that lands after `writeOut` opened the same file itself
   * truncates nothing. Only reserved ids are created; a file created ahead and never used is
   * deleted by `close`, and after a crash it is an unreferenced resource that `recover` retires.
   */
  private preopen(): void {
    const until = Math.min(this.nextId + this.createAhead, this.reservedId);
    const epoch = this.preopenEpoch;
    for (let id = Math.max(this.nextId, this.preopenHigh); id < until; id++) {
      this.preopenHigh = id + 1;
      const file = path.join(this.contentDir, this.resourceName(id));
      fs.open(file, fs.constants.O_WRONLY | fs.constants.O_CREAT, 0o644, (error, fd) => {
        if (error) return; // writeOut opens it itself, and reports what fails then
        this.preopenedReady(id, fd, file, epoch);
      });
    }
  }

  private preopenedReady(id: number, fd: number, file: string, epoch: number): void {
    if (this.closed || epoch !== this.preopenEpoch) {
      fs.close(fd, () => {});
      if (this.closed && id >= this.nextId) fs.rm(file, { force: true }, () => {});
      return;
    }
    if (id >= this.nextId) {
      this.preopened.set(id, fd);
      return;
    }
    // Its resource was made meanwhile: still waiting for its first write, it takes this one.
    const resource = this.writable.get(this.resourceName(id));
    if (resource !== undefined && resource.id === id && resource.fd < 0 && resource.flushed === 0) resource.fd = fd;
    else fs.close(fd, () => {});
  }

  /** A resource's name (`<section>/<id>`), relative to the content and archive directories. */
  private resourceName(id: number): string {
    return `${id % this.sections}/${id}`;
  }

  /** Forgets the files created ahead (recover retires them) and gives no id of theirs out again. */
  private dropPreopened(): void {
    for (const fd of this.preopened.values()) fs.closeSync(fd);
    this.preopened.clear();
    this.preopenEpoch++;
    this.nextId = Math.max(this.nextId, this.preopenHigh);
  }

  private closeCurrent(): void {
    if (this.current === null) return;
    this.closing.push(this.current);
    this.current = null;
    this.dirty = true;
  }

  private writeOut(resource: WritableResource): void {
    if (resource.flushed >= resource.length) return;
    if (resource.fd < 0) {
      const fd = this.preopened.get(resource.id);
      if (fd !== undefined) this.preopened.delete(resource.id);
      resource.fd = fd ?? fs.openSync(resource.path, "w");
    }
    let position = resource.flushed;
    while (position < resource.length) {
      position += fs.writeSync(resource.fd, resource.slab, position, resource.length - position, position);
    }
    resource.flushed = position;
  }

  /** Moves an unreferenced, closed resource into the archive, or deletes it when archiving is off. */
  private retire(name: string, now: number): void {
    const live = path.join(this.contentDir, name);
    if (!this.archiveEnabled) {
      this.evictReadFd(name);
      fs.rmSync(live, { force: true });
      return;
    }
    const target = path.join(this.archiveDir, name);
    let size: number;
    try {
      size = fs.statSync(live).size;
      fs.renameSync(live, target);
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    // The archive's age is the time of archiving; the mtime carries it across restarts.
    const seconds = now / 1000;
    fs.utimesSync(target, seconds, seconds);
    this.archived.set(name, { size, archivedAt: now });
    this.archivedBytes += size;
  }

  private restore(name: string): void {
    const entry = this.archived.get(name);
    if (entry === undefined) return;
    fs.renameSync(path.join(this.archiveDir, name), path.join(this.contentDir, name));
    this.archived.delete(name);
    this.archivedBytes -= entry.size;
  }

  private deleteArchived(name: string): void {
    const entry = this.archived.get(name);
    if (entry === undefined) return;
    this.evictReadFd(name);
    fs.rmSync(path.join(this.archiveDir, name), { force: true });
    this.archived.delete(name);
    this.archivedBytes -= entry.size;
  }

  private readFd(name: string): number {
    const cached = this.readFds.get(name);
    if (cached !== undefined) {
      this.readFds.delete(name);
      this.readFds.set(name, cached);
      return cached;
    }
    if (!RESOURCE_NAME.test(name)) throw new ContentNotFoundError(`content resource ${name} does not exist: not a resource name`);
    let fd: number;
    try {
      fd = fs.openSync(path.join(this.contentDir, name), "r");
    } catch (error) {
      if (!isNotFound(error)) throw error;
      try {
        fd = fs.openSync(path.join(this.archiveDir, name), "r");
      } catch (archiveError) {
        if (!isNotFound(archiveError)) throw archiveError;
        throw new ContentNotFoundError(`content resource ${name} was deleted (not in the content repository nor its archive)`);
      }
    }
    if (this.readFds.size >= this.maxOpenReadFiles) {
      const [oldest, oldestFd] = this.readFds.entries().next().value as [string, number];
      fs.closeSync(oldestFd);
      this.readFds.delete(oldest);
    }
    this.readFds.set(name, fd);
    return fd;
  }

  /** An open descriptor would keep a deleted file readable, so deletion closes it first. */
  private evictReadFd(name: string): void {
    const fd = this.readFds.get(name);
    if (fd === undefined) return;
    fs.closeSync(fd);
    this.readFds.delete(name);
  }
}

function closedError(): Error {
  return new Error("the content repository is closed");
}

function resourceId(name: string): number {
  const match = RESOURCE_NAME.exec(name);
  return match ? Number(match[2]) : -1;
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === "ENOENT";
}
