/**
 * Live status of the open flow: the Server-Sent Events subscription (useLiveStatus) and the
 * latest frame as a tiny external store (LiveStore).
 *
 * Contract:
 * - While a designer is mounted, one EventSource reads /api/flows/:id/events. Each `status`
 *   frame replaces the store's frame; a malformed frame is skipped (the next one replaces it).
 *   A `gone` frame (the flow was deleted) ends the stream and is reported once.
 * - The store merges each frame into the previous one: an entry whose numbers did not change
 *   keeps its old object, so subscribers (useSyncExternalStore, one per node, edge and badge)
 *   re-render only where something changed, never the whole canvas.
 */
import { useEffect, useSyncExternalStore } from "react";
import type { BulletinLive, ConnectionLive, ProcessorLive, StatusFrame } from "../../lib/live";

/** Holds the latest frame and notifies subscribers when a new one arrives. */
export class LiveStore {
  private frame: StatusFrame | null = null;
  private processors = new Map<string, ProcessorLive>();
  private connections = new Map<string, ConnectionLive>();
  private bulletinsBy = new Map<string, BulletinLive[]>();
  private readonly listeners = new Set<() => void>();

  set(frame: StatusFrame): void {
    const procs = new Map<string, ProcessorLive>();
    for (const p of frame.processors) {
      const old = this.processors.get(p.id);
      // Keep the old object when nothing changed, so subscribers see the same snapshot.
      procs.set(p.id, old && JSON.stringify(old) === JSON.stringify(p) ? old : p);
    }
    const conns = new Map<string, ConnectionLive>();
    for (const c of frame.connections) {
      const old = this.connections.get(c.id);
      conns.set(c.id, old && old.count === c.count && old.bytes === c.bytes && old.fill === c.fill && old.objectThreshold === c.objectThreshold && old.bytesThreshold === c.bytesThreshold && JSON.stringify(old.nodes) === JSON.stringify(c.nodes) ? old : c);
    }
    const bulletins = new Map<string, BulletinLive[]>();
    for (const b of frame.bulletins) {
      const list = bulletins.get(b.componentId) ?? [];
      list.push(b);
      bulletins.set(b.componentId, list);
    }
    for (const [id, list] of bulletins) {
      const old = this.bulletinsBy.get(id);
      if (old && old.length === list.length && old.at(-1)?.id === list.at(-1)?.id) bulletins.set(id, old);
    }
    this.frame = frame;
    this.processors = procs;
    this.connections = conns;
    this.bulletinsBy = bulletins;
    for (const l of this.listeners) l();
  }

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  getFrame = (): StatusFrame | null => this.frame;
  processor(id: string): ProcessorLive | undefined {
    return this.processors.get(id);
  }
  connection(id: string): ConnectionLive | undefined {
    return this.connections.get(id);
  }
  bulletins(id: string): BulletinLive[] | undefined {
    return this.bulletinsBy.get(id);
  }
}

/**
 * Feeds `store` from the flow's event stream while mounted. `onGone` runs when the flow is
 * deleted; a new `onGone` identity reopens the stream, so pass a stable callback.
 */
export function useLiveStatus(flowId: string, store: LiveStore, onGone: () => void): void {
  useEffect(() => {
    const es = new EventSource(`/api/flows/${flowId}/events`);
    es.addEventListener("status", (e) => {
      try {
        store.set(JSON.parse((e as MessageEvent<string>).data) as StatusFrame);
      } catch {
        // a malformed frame is skipped; the next one replaces it
      }
    });
    es.addEventListener("gone", () => {
      es.close();
      onGone();
    });
    return () => es.close();
  }, [flowId, store, onGone]);
}

/** The live state of one processor (undefined while the flow is not deployed). */
export function useProcessorLive(store: LiveStore, id: string): ProcessorLive | undefined {
  return useSyncExternalStore(store.subscribe, () => store.processor(id), () => undefined);
}

/** The live queue of one connection (undefined while the flow is not deployed). */
export function useConnectionLive(store: LiveStore, id: string): ConnectionLive | undefined {
  return useSyncExternalStore(store.subscribe, () => store.connection(id), () => undefined);
}

/** Recent bulletins of one component. */
export function useBulletins(store: LiveStore, id: string): BulletinLive[] | undefined {
  return useSyncExternalStore(store.subscribe, () => store.bulletins(id), () => undefined);
}

/** The whole latest frame. */
export function useFrame(store: LiveStore): StatusFrame | null {
  return useSyncExternalStore(store.subscribe, store.getFrame, () => null);
}
