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
 * - Enable/disable and Run once follow the same steps (their own routes).
 */
import { useCallback, useMemo } from "react";
import type { SaveResult } from "../../lib/flow-service";
import { api } from "./api-client";
import type { Banner } from "./banner";
import type { Autosave } from "./use-autosave";

/** What the run control needs from the autosave. */
export type RunTarget = Pick<Autosave, "flush" | "whileBusy" | "adoptRunStates">;

type RunResult = SaveResult & { failures?: Array<{ id: string; message: string }> };

/** What the run control does; each first saves pending edits and does nothing when that fails. */
export interface RunControl {
  /** Starts or stops `targets()` (asked after the save; undefined = the whole flow). */
  run(action: "start" | "stop", targets: () => string[] | undefined): Promise<void>;
  /** Enables or disables processors (their state is saved as a new revision). */
  setEnabled(processors: string[], enabled: boolean): Promise<void>;
  /** Triggers a stopped processor of the deployed flow once; says so in the banner. */
  runOnce(processor: string, name: string): Promise<void>;
}

/** The run control of flow `flowId`. */
export function useRunControl(flowId: string, save: RunTarget, setBanner: (b: Banner | null) => void): RunControl {
  const { flush, whileBusy, adoptRunStates } = save;
  /** POSTs `body` to `url` after saving, adopting the states a SaveResult answer carries. */
  const send = useCallback(
    async (url: string, body: () => unknown, done: (r: RunResult) => void): Promise<void> => {
      if (!(await flush())) return;
      const payload = body();
      await whileBusy(async () => {
        const r = await api<RunResult>("POST", url, payload);
        if (!r.ok) {
          setBanner({ kind: "error", text: r.error, problems: r.problems });
          return;
        }
        if (r.data.revision !== undefined) adoptRunStates(r.data, new Map((r.data.document?.processors ?? []).map((p) => [p.id, p.state])));
        done(r.data);
      });
    },
    [flush, whileBusy, adoptRunStates, setBanner],
  );
  const run = useCallback(
    (action: "start" | "stop", targets: () => string[] | undefined) =>
      send(`/api/flows/${flowId}/run`, () => ({ action, processors: targets() }), (r) => {
        if (r.failures?.length) setBanner({ kind: "error", text: r.failures.map((f) => f.message).join("\n") });
        else setBanner(null);
      }),
    [flowId, send, setBanner],
  );
  const setEnabled = useCallback(
    (processors: string[], enabled: boolean) => send(`/api/flows/${flowId}/enable`, () => ({ enabled, processors }), () => setBanner(null)),
    [flowId, send, setBanner],
  );
  const runOnce = useCallback(
    (processor: string, name: string) =>
      send(`/api/flows/${flowId}/processors/${encodeURIComponent(processor)}/run-once`, () => undefined, () => setBanner({ kind: "info", text: `${name} ran once.` })),
    [flowId, send, setBanner],
  );
  return useMemo(() => ({ run, setEnabled, runOnce }), [run, setEnabled, runOnce]);
}
