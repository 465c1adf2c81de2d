"use client";
/**
 * Small parts of the designer chrome that follow the live status frame. Each subscribes to the
 * LiveStore itself, so a frame (about once a second) re-renders these and not the canvas.
 */
import type { RefObject } from "react";
import { useFrame, type LiveStore } from "./live-store";

/** Deployment state and running count; re-renders with each status frame, alone. */
export function DeployBadge({ store }: { store: LiveStore }) {
  const frame = useFrame(store);
  const running = frame?.processors.filter((p) => p.state === "running").length ?? 0;
  return (
    <span className={`rounded-full px-2 py-0.5 text-xs ${frame?.deployed ? "bg-emerald-100 text-emerald-800" : "bg-slate-100 text-slate-600"}`} data-testid="deploy-state">
      {frame?.deployed ? `Deployed · ${running} running` : "Not deployed"}
    </span>
  );
}

/** Says so when the stored revision moved past ours without a request of ours in flight. */
export function ElsewhereNotice({ store, revision, busy }: { store: LiveStore; revision: number; busy: RefObject<number> }) {
  const frame = useFrame(store);
  if (!frame || frame.revision <= revision || busy.current !== 0) return null;
  return (
    <div role="status" className="bg-amber-50 px-4 py-1.5 text-sm text-amber-900">
      This flow was changed in another tab or by another user. Your next save will be refused; reload to get the latest version.
    </div>
  );
}

/** The newest bulletins (engine warnings and errors), each with its node when from a cluster. */
export function BulletinBar({ store }: { store: LiveStore }) {
  const frame = useFrame(store);
  const bulletins = frame?.bulletins ?? [];
  if (!bulletins.length) return null;
  return (
    <div className="max-h-24 overflow-y-auto border-t border-slate-200 bg-white px-3 py-1 text-xs" aria-label="Bulletins">
      {bulletins
        .slice(-4)
        .reverse()
        .map((b) => (
          <div key={`${b.id}-${b.timestamp}`} className={b.level === "error" ? "text-red-700" : "text-amber-700"}>
            {new Date(b.timestamp).toLocaleTimeString()} · {b.level.toUpperCase()} · {b.node ? `${b.node} · ` : ""}{b.componentName}: {b.message}
          </div>
        ))}
    </div>
  );
}
