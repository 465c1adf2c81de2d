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
 * Stores FlowFile content. Contract:
 * - `write` appends and returns a claim at once; the bytes are durable only after `flush`.
 *   The flow controller flushes content before it flushes the FlowFile repository, so a durable
 *   FlowFile record never points at content that is not on disk.
 * - `read` returns the bytes of a live or archived claim (encoding `claim.text` when the claim
 *   has text and no bytes yet); it throws `ContentNotFoundError` when the content has been
 *   deleted by archive expiry.
 * - Reference counts are per resource: `incrementRef`/`decrementRef` are called at session
 *   commit for every claim a FlowFile gains or loses. A resource that reaches zero and is no
 *   longer being appended to is archived (kept for provenance), then deleted when the archive
 *   exceeds its age or size limit (`cleanup`).
 * - `recover` is called once on start with every claim referenced by a recovered FlowFile, to
 *   rebuild the counts; resources referenced by none are archived.
 */
export interface ContentRepository {
  write(data: Buffer): ContentClaim;
  /**
   * `write` of the UTF-8 encoding of `text` (not empty). A repository may keep the string in
   * `claim.text` (reading it back as text then costs nothing, and `read` encodes the bytes at
   * most once): the volatile one does, the file repository does not (see its `writeText`).
   */
  writeText(text: string): ContentClaim;
  read(claim: ContentClaim): Buffer;
  incrementRef(claim: ContentClaim): void;
  decrementRef(claim: ContentClaim): void;
  flush(): void;
  cleanup(now?: number): void;
  recover(claimsInUse: Iterable<ContentClaim>): void;
  /** Live references of the claim's resource (tests and diagnostics). */
  refCount(claim: ContentClaim): number;
  close(): void;
}

export class ContentNotFoundError extends Error {
  override name = "ContentNotFoundError";
}
