"use client";
/**
 * Run control: starting and stopping processors from the designer.
 *
 * Contract:
 * - `run(action, targets)` first saves pending edits; when that save is refused nothing is
 *   started or stopped. `targets` is asked after the save (it reads the saved document):
 *   processor ids, or undefined for the whole flow.
 * - The server's answer (new revision, analysis, run states) is adopted into the saved and the
 *   current document; an unsaved edit made meanwhile stays and is saved after.
 * - A refused request, or processors that failed to start or stop, show in the banner; a fully
 *   successful run clears the banner.
 * - The request counts as ours in flight (Autosave.busy) while it is out.
 */
import { useCallback } from "react";
import type { SaveResult } from "../../lib/flow-service";
import { api } from "./api-client";
import type { Banner } from "./banner";
import type { Autosave } from "./use-autosave";

/** What the run control needs from the autosave. */
export type RunTarget = Pick<Autosave, "flush" | "whileBusy" | "adoptRunStates">;

type RunResult = SaveResult & { failures: Array<{ id: string; message: string }> };

/** `run(action, targets)` for flow `flowId`. */
export function useRunControl(flowId: string, save: RunTarget, setBanner: (b: Banner | null) => void) {
  const { flush, whileBusy, adoptRunStates } = save;
  return useCallback(
    async (action: "start" | "stop", targets: () => string[] | undefined): Promise<void> => {
      if (!(await flush())) return;
      const processors = targets();
      await whileBusy(async () => {
        const r = await api<RunResult>("POST", `/api/flows/${flowId}/run`, { action, processors });
        if (!r.ok) {
          setBanner({ kind: "error", text: r.error, problems: r.problems });
          return;
        }
        adoptRunStates(r.data, new Map((r.data.document?.processors ?? []).map((p) => [p.id, p.state])));
        if (r.data.failures.length) setBanner({ kind: "error", text: r.data.failures.map((f) => f.message).join("\n") });
        else setBanner(null);
      });
    },
    [flowId, flush, whileBusy, adoptRunStates, setBanner],
  );
}
