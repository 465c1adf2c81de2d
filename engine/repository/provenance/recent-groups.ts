/**
 * The group records lately written to the current provenance log file, so that a group whose
 * members are another's can be written as a reference to it (event-codec.ts, "group by
 * reference"). The case it serves: a batch a node takes back from a distributed connection it
 * handed over itself. Its RECEIVEs are of the very FlowFiles of the SENDs written moments
 * before (same uuids, attribute maps, claims), so the RECEIVE group can point at the SEND group's
 * members instead of writing them again.
 *
 * Contract:
 * - `add(offset, members)` records a full group record written at file offset
 *   `offset`; it keeps the member list (not a copy), and at most `capacity` groups, oldest
 *   dropped first.
 * - `find(members)` returns the recorded group and the position in it where `members` are,
 *   consecutively, the same FlowFiles (same uuid, size, lineage start, attribute map object and
 *   claim), or null. Only a group holding the first member at position 0, or right where the
 *   last match ended, is considered: batches come back in the order and the cuts they were
 *   made in, and a full search per call would cost more than it saves.
 * - `matched(found, count)` moves the continuation past a match (the caller wrote the
 *   reference); a group whose last member was matched is dropped.
 * - `clear()` forgets everything (a new log file: references never cross files).
 * Why keeping the member lists is cheap: they are the FlowFiles of batches in flight, which
 * their queue holds anyway, and a group is dropped once its last member is matched. A group
 * nobody takes back here (another node took its batch) is dropped after `capacity` newer ones;
 * 16 covers the batches one node has in flight at the default back pressure (10,000 FlowFiles
 * in batches of up to 1,000) without holding many that went elsewhere.
 */
import type { ProvenanceGroupMember } from "../../core/provenance";
import { sameClaimRef } from "./event-codec";

export interface RecentGroup {
  /** File offset of the record's length header. */
  readonly offset: number;
  readonly members: ReadonlyArray<ProvenanceGroupMember>;
}

export interface FoundMembers {
  group: RecentGroup;
  /** Position in `group.members` of the first member. */
  from: number;
}

export class RecentGroups {
  private groups: RecentGroup[] = [];
  private next: FoundMembers | null = null;

  constructor(private readonly capacity = 16) {}

  add(offset: number, members: ReadonlyArray<ProvenanceGroupMember>): void {
    this.groups.push({ offset, members });
    if (this.groups.length > this.capacity) this.drop(this.groups[0]!);
  }

  find(members: ReadonlyArray<ProvenanceGroupMember>): FoundMembers | null {
    const first = members[0];
    if (first === undefined) return null;
    let found: FoundMembers | null = null;
    const next = this.next;
    if (next !== null && next.group.members[next.from]?.uuid === first.uuid) found = next;
    else {
      for (let i = this.groups.length - 1; i >= 0; i--) {
        const g = this.groups[i]!;
        if (g.members[0]!.uuid === first.uuid) {
          found = { group: g, from: 0 };
          break;
        }
      }
    }
    if (found === null || !holdsMembers(found.group.members, found.from, members)) return null;
    return found;
  }

  matched(found: FoundMembers, count: number): void {
    const from = found.from + count;
    if (from >= found.group.members.length) this.drop(found.group);
    else this.next = { group: found.group, from };
  }

  clear(): void {
    this.groups = [];
    this.next = null;
  }

  private drop(group: RecentGroup): void {
    const at = this.groups.indexOf(group);
    if (at >= 0) this.groups.splice(at, 1);
    if (this.next?.group === group) this.next = null;
  }
}

/**
 * True when `members` are, one by one, the same FlowFiles as `held[from, from + members.length)`:
 * the same uuid, size, lineage start, attribute map object and claim.
 */
export function holdsMembers(held: ReadonlyArray<ProvenanceGroupMember>, from: number, members: ReadonlyArray<ProvenanceGroupMember>): boolean {
  if (from + members.length > held.length) return false;
  for (let i = 0; i < members.length; i++) {
    const a = members[i]!;
    const b = held[from + i]!;
    if (a.uuid !== b.uuid || a.attributes !== b.attributes || a.size !== b.size || a.lineageStartDate !== b.lineageStartDate || !sameClaimRef(a.claim, b.claim)) {
      return false;
    }
  }
  return true;
}
