import { ContentClaim, ContentNotFoundError, type ContentRepository } from "../../core/content-claim";

/**
 * Volatile content repository: the bytes live only in each claim's `data`, nothing touches disk.
 *
 * Contract (on top of `ContentRepository`):
 * - every `write` gets a resource of its own (`mem/<n>`), so reference counts are per content;
 * - `writeText` keeps the string and encodes it on the first `read`;
 * - `read` returns `claim.data` and throws `ContentNotFoundError` for a claim without data
 *   (e.g. one that came back from a swap file: in volatile mode its bytes are gone);
 * - `flush` and `cleanup` do nothing: unreferenced bytes are freed by the garbage collector
 *   once no claim holds them, so there is nothing to archive; `close` only ends the repository.
 * - Reference counts are per resource, as the interface says, for a claim from `write` and its
 *   slices (they share a counter). A bare claim (recovery, tests) is counted apart from the
 *   claim its resource was written with: a volatile repository cannot read one anyway.
 */
export class MemoryContentRepository implements ContentRepository {
  private nextId = 0;
  /**
   * Counters of claims that came without one (recovery, tests), by resource, so that such claims
   * on one resource share a count. A claim from `write` carries its own counter and is never
   * here: counting its references is a field update, the hot path of every commit.
   */
  private readonly live = new Map<string, { refs: number }>();
  private closed = false;

  write(data: Buffer): ContentClaim {
    if (this.closed) throw closedError();
    return new ContentClaim(`mem/${this.nextId++}`, 0, data.length, data, { refs: 0 });
  }

  writeText(text: string): ContentClaim {
    if (this.closed) throw closedError();
    // The bytes are encoded only if a processor reads them as bytes (see ContentClaim.text).
    const claim = new ContentClaim(`mem/${this.nextId++}`, 0, Buffer.byteLength(text, "utf8"), undefined, { refs: 0 });
    claim.text = text;
    return claim;
  }

  read(claim: ContentClaim): Buffer {
    if (this.closed) throw closedError();
    if (claim.data === undefined && claim.text !== undefined) claim.data = Buffer.from(claim.text, "utf8");
    if (claim.data === undefined) {
      throw new ContentNotFoundError(
        `content of ${claim.resource} is not available: the volatile content repository keeps bytes only in the claim`,
      );
    }
    return claim.data;
  }

  incrementRef(claim: ContentClaim): void {
    if (this.closed) throw closedError();
    if (claim.counter !== undefined) {
      claim.counter.refs++;
      return;
    }
    const c = this.live.get(claim.resource);
    if (c === undefined) this.live.set(claim.resource, { refs: 1 });
    else c.refs++;
  }

  decrementRef(claim: ContentClaim): void {
    if (this.closed) throw closedError();
    const c = claim.counter ?? this.live.get(claim.resource);
    if (c === undefined || c.refs <= 0) throw new Error(`reference count of content resource ${claim.resource} would drop below zero`);
    if (--c.refs === 0 && claim.counter === undefined) this.live.delete(claim.resource);
  }

  flush(): void {
    if (this.closed) throw closedError();
  }

  cleanup(_now?: number): void {
    if (this.closed) throw closedError();
  }

  recover(claimsInUse: Iterable<ContentClaim>): void {
    if (this.closed) throw closedError();
    for (const c of this.live.values()) c.refs = 0;
    this.live.clear();
    for (const claim of claimsInUse) this.incrementRef(claim);
  }

  refCount(claim: ContentClaim): number {
    return (claim.counter ?? this.live.get(claim.resource))?.refs ?? 0;
  }

  close(): void {
    this.closed = true;
  }
}

function closedError(): Error {
  return new Error("the content repository is closed");
}
