"use client";
/**
 * The designer's message line: one banner at a time (an error or a piece of information),
 * optionally with the field problems the server named. Whoever sets a banner replaces the one
 * shown; the user can dismiss it, and a stale save adds a Reload button.
 */
import type { FlowProblem } from "../../lib/engine-client";

/** A message for the banner line. */
export interface Banner {
  kind: "error" | "info";
  text: string;
  problems?: FlowProblem[];
}

/** Shows `banner` (at most 12 of its problems); `reload` adds the Reload button. */
export function BannerView({ banner, reload, onDismiss }: { banner: Banner; reload: boolean; onDismiss: () => void }) {
  return (
    <div role="alert" data-testid="banner" className={`flex items-start gap-3 px-4 py-2 text-sm ${banner.kind === "error" ? "bg-red-50 text-red-800" : "bg-sky-50 text-sky-900"}`}>
      <div className="min-w-0 flex-1 whitespace-pre-line">
        {banner.text}
        {banner.problems?.length ? (
          <ul className="mt-1 list-disc pl-5 text-xs">
            {banner.problems.slice(0, 12).map((p, i) => (
              <li key={i}>
                <code>{p.path}</code>: {p.message}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      {reload ? (
        <button type="button" onClick={() => window.location.reload()} className="rounded bg-red-700 px-2 py-0.5 text-white">
          Reload
        </button>
      ) : null}
      <button type="button" aria-label="Dismiss" onClick={onDismiss} className="px-1 text-lg leading-none">
        ×
      </button>
    </div>
  );
}
