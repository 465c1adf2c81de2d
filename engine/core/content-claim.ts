/**
 * A content claim: a slice (offset, length) of a resource file in the content repository.
 * Many small contents share one append-only resource file. Claims are immutable values; the
 * repository counts references per resource.
 *
 * `data` is an in-process cache of the bytes, set when the content was written or read in this
 * process, so the next processor does not go back to disk. It is not persisted; a claim that
 * came back from a swap file or from recovery has no `data` until read.
 *
 * `text` caches the content as a string when it was written as one and the repository keeps it
 * (`writeText`, volatile mode): a processor that reads it as text gets that string back without
 * decoding, and the bytes are encoded only when someone asks for them.
 */
export class ContentClaim {
  /** The content as written by `writeText`, when it was (the whole claim, never a slice). */
  text: string | undefined = undefined;

  constructor(
    readonly resource: string,
    readonly offset: number,
    readonly length: number,
    public data: Buffer | undefined = undefined,
    /**
     * Optional per-resource counter a repository may attach, so counting references is a field
     * update instead of a map lookup; every claim on the same resource shares it.
     */
    readonly counter: { refs: number } | undefined = undefined,
  ) {}

  /** Serialized (API, logs) as a plain reference, without the cached bytes. */
  toJSON(): { resource: string; offset: number; length: number } {
    return { resource: this.resource, offset: this.offset, length: this.length };
  }

  /** A claim on part of this one (same resource, same counter). */
  slice(offset: number, length: number, data: Buffer | undefined): ContentClaim {
    return new ContentClaim(this.resource, this.offset + offset, length, data, this.counter);
  }
}

/**
 * Stores FlowFile content. Contract, for every implementation (test/unit/repository/
 * content-repository.contract.ts pins it):
 *
 * - Threading: every method is synchronous and is called from the engine's one thread; there
 *   is no locking. Calls take effect in call order.
 * - Claims: a claim names a byte range of a resource. Reference counts are kept per resource,
 *   not per claim: claims that share a resource share one count.
 * - Cached bytes: a claim whose `data` (or `text`) is set is read from that cache, whatever
 *   became of its resource; a claim as it comes back from the FlowFile repository, a swap file
 *   or a provenance event ("bare": no `data`, no `text`) is read from storage.
 * - Durability: bytes are durable only after `flush` returns. The flow controller flushes
 *   content before it flushes the FlowFile repository, so a durable FlowFile record never
 *   points at content that is not on disk. A volatile implementation keeps nothing across a
 *   restart.
 * - Lifecycle: a resource whose count is zero and that is no longer being written is archived
 *   by `cleanup` (kept for provenance content view and replay) and deleted once the archive is
 *   over its age or size limit. A volatile implementation has no archive: unreferenced bytes
 *   live on in the claims (e.g. in provenance events) that still hold them.
 * - After `close`, every method except `close` and `refCount` throws.
 */
export interface ContentRepository {
  /**
   * Stores `data` and returns its claim (length `data.length`, `data` cached on it) at once.
   * The repository may keep `data` itself, so the caller must not change it afterwards. Empty
   * content is allowed. The new claim's resource starts at zero references until
   * `incrementRef`; writing does not count as a reference.
   */
  write(data: Buffer): ContentClaim;
  /**
   * `write` of the UTF-8 encoding of `text`; `text` must not be empty. A repository may keep
   * the string in `claim.text` (reading it back as text then costs nothing, and `read` encodes
   * the bytes at most once): the volatile one does, the file repository does not (see its
   * `writeText`). Either way `read` returns the UTF-8 bytes.
   */
  writeText(text: string): ContentClaim;
  /**
   * The claim's bytes: the cached `data` when set (encoding `claim.text` first when only that
   * is set), else the bytes read from the live or archived resource, which are then cached on
   * the claim. The returned buffer is shared: callers must not change it.
   * @throws ContentNotFoundError when the bytes no longer exist (archive expired, never
   *   flushed before a restart, unknown resource, or a bare claim in a volatile repository);
   *   the message names the resource.
   */
  read(claim: ContentClaim): Buffer;
  /**
   * Adds a reference to the claim's resource (a FlowFile committed with it). On a resource
   * that was archived, brings it back to the live content, so a late commit keeps its bytes.
   */
  incrementRef(claim: ContentClaim): void;
  /**
   * Removes a reference. At zero the resource becomes a candidate for `cleanup`; no file-system
   * work happens here (the hot path).
   * @throws Error when the resource's count is already zero (the count never goes negative).
   */
  decrementRef(claim: ContentClaim): void;
  /**
   * Makes every byte written so far durable (with nothing pending, returns after a field
   * check). A volatile repository does nothing.
   * @throws the file-system error of a failed write; the bytes stay pending for the next flush.
   */
  flush(): void;
  /**
   * Archives (or deletes, when archiving is off) every resource that has zero references, is no
   * longer being written and is flushed; then deletes archived resources, oldest first, while
   * the archive is older than its age limit at `now` or larger than its size limit.
   * @param now the clock, epoch millis. @default Date.now()
   */
  cleanup(now?: number): void;
  /**
   * Rebuilds the reference counts on start: each claim in `claimsInUse` (bare claims from the
   * FlowFile repository and swap files, one per FlowFile) counts one reference. Resources that
   * none of them references are archived. Precondition: called once, on a freshly opened
   * repository, before any `write` or reference change.
   */
  recover(claimsInUse: Iterable<ContentClaim>): void;
  /** Live references of the claim's resource; 0 for a resource never counted (tests and diagnostics). */
  refCount(claim: ContentClaim): number;
  /**
   * Flushes, then releases file descriptors. Idempotent. A durable repository reopened over
   * the same directory reads everything written before `close`.
   */
  close(): void;
}

/** Content that no longer exists (see `ContentRepository.read`). */
export class ContentNotFoundError extends Error {
  override name = "ContentNotFoundError";
}
