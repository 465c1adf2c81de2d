/**
 * Batch-id keys for the handovers of a primary-only source in a cluster (SessionHost.sourceHandoverKey).
 *
 * Why: a primary-only processor's state dir follows the primary lease (engine/api/node.ts saves
 * it to the cluster after each group commit, fenced on the lease, and the next primary loads
 * it). When the lease moves between the old primary's handover of a trigger's FlowFiles and the
 * save of the state after that trigger, the save is refused, and the next primary starts from
 * the state before the trigger and makes its work again. A session with inputs names its
 * batches after them (session.ts), so its repeat is added once; a source's session has no
 * inputs and used to get a fresh key, so its repeat reached the cluster as extra FlowFiles.
 *
 * The key of such a session is a chain:
 *
 *   key = H(processor id, configuration, key of the previous handover session, output)
 *
 * where the output is, per distributed connection, the FlowFiles handed over, in order, with
 * their attributes other than `uuid` and their content sizes (not their bytes: GenerateFlowFile's
 * filler is random per start). The key of the last committed handover session travels with the
 * processor's state: MARKER, a file in its state dir written by an onCommitted callback that
 * runs after the processor's own, so the group commit's state save carries both in one fenced
 * write, and a repeat from the saved state starts from the same previous key.
 *
 * Invariant (never the same key for different work): two sessions share a key only if they come
 * right after the same committed session of the same processor with the same configuration, and
 * hand the same number of FlowFiles with the same attributes and sizes, in the same order, to the
 * same connections. A chained key is used only when, in addition,
 * - the processor runs on the primary only (one node at a time; a source on every node has the
 *   same state on each, and its nodes' work is not a repeat), with one concurrent task (sessions
 *   in order, so "the previous session" is well defined);
 * - MARKER matches the state files beside it (a crash between the processor's write and the
 *   marker's, a state edited by hand or switched between flows: a fresh key);
 * - the processor's own state files changed in the last committed handover session known when
 *   the key is made (its progress lives in its state, so a session after the same predecessor
 *   started from the same state). The previous session's commit may not be durable yet then, so
 *   a processor without a marker gets fresh keys for its first two handovers. A source without
 *   state (GetFile, ListenHTTP: what they read is gone from where they read it, so a second
 *   trigger is new work) never gets a chained key.
 * So a refused batch is one that the same processor made from the same state as an earlier,
 * added batch, equal in everything but uuids and content bytes, provided every node cuts a
 * handover into batches alike (the link's batch limits and partitions: the assumption keys
 * derived from inputs make too). The one case this cannot tell apart: a source that records
 * progress in its state on every trigger but whose output does not follow from that state and
 * differs only in content bytes (an external queue read destructively, with a counter in its
 * state and no distinguishing attribute). No built-in processor is one.
 *
 * Anything that makes the keys differ only costs a duplicate (at-least-once): a repeat with
 * other counts (back pressure), attributes (`${now()}`) or configuration, or one after the dedup
 * id expired (BullMQ holds a batch id for the link's dedup TTL from when it was added, past the
 * batch's completion). A state too large to mirror needs nothing special: the next primary loads
 * the last state and marker that were saved, and its repeats follow the chain from there.
 */
import { createHash, type Hash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { FlowFileRecord } from "../core/flowfile";
import { newUuid } from "../core/uuid";

/** The engine's file in a processor's state dir (mirrored with the processor's own files). */
export const MARKER = ".sluice-handover.json";

interface Marker {
  v: 1;
  /** Key of the last committed handover session. */
  key: string;
  /** Hash of the processor's own state files after that session. */
  own: string;
  /** Whether that session changed them. */
  advanced: boolean;
}

/** What a handover session hands over: per distributed connection (by id), its FlowFiles in order. */
export type HandoverOutput = Iterable<readonly [{ readonly id: string }, ReadonlyArray<Pick<FlowFileRecord, "size" | "attributes">>]>;

/**
 * The key chain of one processor while it is scheduled (see the module comment). Contract:
 * `load` before the processor's onScheduled reads its state; `next` for each handover session of
 * the processor that took no FlowFiles, in order; the callback `next` registers must run once the
 * session's commit is durable, after the processor's own onCommitted callbacks.
 */
export class SourceHandoverChain {
  private constructor(
    private readonly dir: string,
    /** H(processor id, type, properties): a configuration change starts other keys. */
    private readonly identity: string,
    /** Predecessor key for the next session; null when unknown (fresh keys). */
    private head: string | null,
    /** Whether the own state files changed in the last committed handover session known here. */
    private advanced: boolean,
    /** Hash of the own state files as of the last marker written or loaded. */
    private own: string,
  ) {}

  static load(dir: string, componentId: string, type: string, properties: Readonly<Record<string, string>>): SourceHandoverChain {
    const identity = createHash("sha256");
    field(identity, componentId);
    field(identity, type);
    for (const name of Object.keys(properties).sort()) {
      field(identity, name);
      field(identity, properties[name]!);
    }
    let own: string;
    try {
      own = ownStateHash(dir);
    } catch {
      // Unreadable state: fresh keys, and whether the next commit changes it is unknown.
      return new SourceHandoverChain(dir, identity.digest("base64url"), null, false, UNKNOWN_STATE);
    }
    const m = readMarker(dir);
    const valid = m !== null && own !== EMPTY_STATE && m.own === own;
    return new SourceHandoverChain(dir, identity.digest("base64url"), valid ? m.key : null, valid && m.advanced, own);
  }

  /** The key of the next handover session; `onCommitted` registers the marker's update. */
  next(output: HandoverOutput, onCommitted: (callback: () => void) => void): string {
    const key = this.head !== null && this.advanced ? this.derive(this.head, output) : newUuid();
    this.head = key;
    onCommitted(() => this.committed(key));
    return key;
  }

  private derive(previous: string, output: HandoverOutput): string {
    // One string per session, hashed once: a hash update per field costs more than the hash.
    let text = framed("sluice-source-handover/1") + framed(this.identity) + framed(previous);
    for (const [q, ffs] of output) {
      text += framed(q.id) + framed(String(ffs.length));
      for (const ff of ffs) {
        const attrs = ff.attributes;
        const names = Object.keys(attrs)
          .filter((name) => name !== "uuid")
          .sort();
        text += framed(String(ff.size)) + framed(String(names.length));
        for (const name of names) text += framed(name) + framed(attrs[name]!);
      }
    }
    return createHash("sha256").update(text, "utf16le").digest("base64url").slice(0, 24);
  }

  /** After the session's commit (and the processor's own state writes): records it in MARKER. */
  private committed(key: string): void {
    const own = ownStateHash(this.dir);
    this.advanced = own !== EMPTY_STATE && this.own !== UNKNOWN_STATE && own !== this.own;
    this.own = own;
    // No state of its own: never a chained key, so nothing to carry.
    if (own === EMPTY_STATE) return;
    const marker: Marker = { v: 1, key, own, advanced: this.advanced };
    fs.writeFileSync(path.join(this.dir, MARKER), JSON.stringify(marker));
  }
}

/**
 * Length-prefixed, so no two different sequences of fields make the same text. Texts are hashed
 * as UTF-16 code units: UTF-8 would turn every lone surrogate into the same replacement bytes.
 */
function framed(s: string): string {
  return `${s.length}:${s}`;
}

function field(h: Hash, s: string): void {
  h.update(framed(s), "utf16le");
}

const EMPTY_STATE = "";
/** Not a hash: the state could not be read. */
const UNKNOWN_STATE = "?";

/**
 * Hash of the processor's own files: the plain files directly in its state dir (what the node
 * mirrors), except MARKER; EMPTY_STATE when there are none.
 */
function ownStateHash(dir: string): string {
  let names: string[];
  try {
    names = fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && e.name !== MARKER)
      .map((e) => e.name)
      .sort();
  } catch {
    return EMPTY_STATE;
  }
  if (names.length === 0) return EMPTY_STATE;
  const h = createHash("sha256");
  for (const name of names) {
    const bytes = fs.readFileSync(path.join(dir, name));
    field(h, name);
    h.update(`${bytes.length}:`).update(bytes);
  }
  return h.digest("base64url");
}

function readMarker(dir: string): Marker | null {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, MARKER), "utf8")) as Partial<Marker>;
    if (m.v !== 1 || typeof m.key !== "string" || typeof m.own !== "string" || typeof m.advanced !== "boolean") return null;
    return m as Marker;
  } catch {
    return null;
  }
}
