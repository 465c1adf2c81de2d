import { ContentClaim, ContentNotFoundError, type ContentRepository } from "../../core/content-claim";

/**
 * Volatile content repository: the bytes live only in each claim's `data`, nothing touches disk.
 *
 * Contract (on top of `ContentRepository`):
 * - every `write` gets a resource of its own (`mem/<n>`), so reference counts are per content;
 * - `read` returns `claim.data` and throws `ContentNotFoundError` for a claim without data
 *   (e.g. one that came back from a swap file: in volatile mode its bytes are gone);
 * - `flush`, `cleanup` and `close` do nothing: unreferenced bytes are freed by the garbage
 *   collector once no claim holds them, so there is nothing to archive.
 */
export class MemoryContentRepository implements ContentRepository {
  private nextId = 0;
  /** Live references per resource; a resource at zero has no entry, so the map stays small. */
  private readonly counts = new Map<string, number>();

  write(data: Buffer): ContentClaim {
    return new ContentClaim(`mem/${this.nextId++}`, 0, data.length, data);
  }

  read(claim: ContentClaim): Buffer {
    if (claim.data === undefined) {
      throw new ContentNotFoundError(
        `content of ${claim.resource} is not available: the volatile content repository keeps bytes only in the claim`,
      );
    }
    return claim.data;
  }

  incrementRef(claim: ContentClaim): void {
    this.counts.set(claim.resource, (this.counts.get(claim.resource) ?? 0) + 1);
  }

  decrementRef(claim: ContentClaim): void {
    const count = this.counts.get(claim.resource) ?? 0;
    if (count <= 0) throw new Error(`reference count of content resource ${claim.resource} would drop below zero`);
    if (count === 1) this.counts.delete(claim.resource);
    else this.counts.set(claim.resource, count - 1);
  }

  flush(): void {}

  cleanup(_now?: number): void {}

  recover(claimsInUse: Iterable<ContentClaim>): void {
    this.counts.clear();
    for (const claim of claimsInUse) this.incrementRef(claim);
  }

  refCount(resource: string): number {
    return this.counts.get(resource) ?? 0;
  }

  close(): void {}
}
