"use client";
/**
 * The flow list with its actions: create, import a flow file or a NiFi flow (with its import
 * report), rename, export, delete. Changes go through the API and the server-rendered list is
 * refreshed afterwards. Without `canWrite` (no `flows:write`) only the list and Export are
 * offered. Each row says whether its flow is running (the node's deployments, polled).
 */
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { api } from "./designer/api-client";
import { NifiImportReport, type NifiImportAnswer } from "./import/nifi-import-report";
import { uniqueFlowName } from "./import/unique-name";

/** One row, as the server page passes it. */
export interface FlowRow {
  id: string;
  name: string;
  description: string | null;
  processorCount: number | null;
  updatedAt: string;
  updatedLabel: string;
}

/** How often the run states are read again. */
const RUN_STATE_POLL_MS = 3000;

/** Run state of each deployed flow (by id), from GET /api/node; null until the first answer. */
function useRunStates(): Map<string, boolean> | null {
  const [states, setStates] = useState<Map<string, boolean> | null>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = async () => {
      const r = await api<{ flows: Array<{ flowId: string; running: boolean }> }>("GET", "/api/node");
      if (stopped) return;
      if (r.ok) setStates(new Map(r.data.flows.map((f) => [f.flowId, f.running])));
      timer = setTimeout(() => void read(), RUN_STATE_POLL_MS);
    };
    void read();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);
  return states;
}

/** Base64 of a file's bytes, for a JSON request body. */
async function base64Of(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  // String.fromCharCode takes a bounded argument list: convert in chunks.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function FlowList({ flows, canWrite }: { flows: FlowRow[]; canWrite: boolean }) {
  const router = useRouter();
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [error, setError] = useState<{ text: string; problems?: Array<{ path: string; message: string }> } | null>(null);
  const [info, setInfo] = useState<string | null>(null);
  const [renaming, setRenaming] = useState<{ id: string; name: string } | null>(null);
  const [nifi, setNifi] = useState<{ answer: NifiImportAnswer; fileName: string } | null>(null);
  const [importing, setImporting] = useState(false);
  const runStates = useRunStates();

  const create = async () => {
    setError(null);
    const r = await api<{ id: string }>("POST", "/api/flows", { name, description: description || undefined });
    if (!r.ok) return setError({ text: r.error, problems: r.problems });
    router.push(`/flows/${r.data.id}`);
  };

  const importFile = async (file: File) => {
    setError(null);
    setInfo(null);
    let doc: unknown;
    try {
      doc = JSON.parse(await file.text());
    } catch (e) {
      setError({ text: `${file.name} is not JSON: ${(e as Error).message}` });
      return;
    }
    // Two flows of one name cannot be told apart in this list: a taken name gets " (2)"...
    const wanted = doc !== null && typeof doc === "object" && typeof (doc as { name?: unknown }).name === "string" ? (doc as { name: string }).name.trim() : "";
    const name = wanted ? uniqueFlowName(wanted, flows.map((f) => f.name)) : "";
    const renamed = name !== wanted;
    const r = await api<{ id: string; problems: Array<{ path: string; message: string }> }>("POST", "/api/flows", { import: doc, name: renamed ? name : undefined });
    if (!r.ok) return setError({ text: `Import of ${file.name} failed: ${r.error}`, problems: r.problems });
    setInfo(
      `Imported ${file.name}${renamed ? ` as “${name}” (a flow named “${wanted}” already exists)` : ""}` +
        `${r.data.problems.length ? ` (${r.data.problems.length} problem${r.data.problems.length === 1 ? "" : "s"} to fix in the designer)` : ""}.`,
    );
    router.refresh();
  };

  const importNifi = async (file: File) => {
    setError(null);
    setInfo(null);
    setNifi(null);
    setImporting(true);
    try {
      const r = await api<NifiImportAnswer>("POST", "/api/flows/import-nifi", { fileName: file.name, content: await base64Of(file) });
      if (!r.ok) return setError({ text: `NiFi import of ${file.name} failed, nothing was saved: ${r.error}`, problems: r.problems });
      setNifi({ answer: r.data, fileName: file.name });
      router.refresh();
    } finally {
      setImporting(false);
    }
  };

  const rename = async () => {
    if (!renaming) return;
    const r = await api<{ revision: number }>("PATCH", `/api/flows/${renaming.id}`, { name: renaming.name });
    if (!r.ok) return setError({ text: r.error, problems: r.problems });
    setRenaming(null);
    router.refresh();
  };

  const remove = async (f: FlowRow) => {
    if (!window.confirm(`Delete "${f.name}", its versions and its queued data? This cannot be undone.`)) return;
    const r = await api<unknown>("DELETE", `/api/flows/${f.id}`);
    if (!r.ok) return setError({ text: r.error });
    router.refresh();
  };

  const btn = "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-100";
  return (
    <div>
      <div className="mb-6 flex items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Flows</h1>
          <p className="mt-1 text-sm text-slate-500">
            {flows.length} {flows.length === 1 ? "flow" : "flows"} in the flow store
          </p>
        </div>
        {canWrite ? (
          <div className="flex gap-2">
            <FileButton className={btn} label="Import flow…" inputLabel="Import flow file" accept="application/json,.json" testId="import-input" onFile={(f) => void importFile(f)} />
            <FileButton
              className={btn}
              label={importing ? "Importing…" : "Import NiFi flow…"}
              title="A NiFi flow definition (.json) or a whole instance's flow.json.gz"
              disabled={importing}
              inputLabel="Import NiFi flow"
              accept=".json,.gz,application/json,application/gzip"
              testId="import-nifi-input"
              onFile={(f) => void importNifi(f)}
            />
            <button type="button" className="rounded-md bg-sky-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-sky-700" onClick={() => setCreating(true)}>
              New flow
            </button>
          </div>
        ) : null}
      </div>
      {error ? (
        <div role="alert" className="mb-4 rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800" data-testid="list-error">
          {error.text}
          {error.problems?.length ? (
            <ul className="mt-1 list-disc pl-5 text-xs">
              {error.problems.slice(0, 20).map((p, i) => (
                <li key={i}>
                  <code>{p.path}</code>: {p.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {info ? (
        <div role="status" className="mb-4 rounded-md border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-800">
          {info}
        </div>
      ) : null}
      {nifi ? <NifiImportReport answer={nifi.answer} fileName={nifi.fileName} onClose={() => setNifi(null)} /> : null}
      {creating ? (
        <form
          className="mb-6 flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
          onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}
        >
          <label className="text-sm">
            <span className="block font-medium">Name</span>
            <input autoFocus aria-label="Flow name" value={name} onChange={(e) => setName(e.target.value)} className="mt-1 w-64 rounded-md border border-slate-300 px-2 py-1" />
          </label>
          <label className="flex-1 text-sm">
            <span className="block font-medium">Description</span>
            <input aria-label="Flow description" value={description} onChange={(e) => setDescription(e.target.value)} className="mt-1 w-full rounded-md border border-slate-300 px-2 py-1" />
          </label>
          <button type="submit" disabled={!name.trim()} className="rounded-md bg-sky-600 px-3 py-1.5 text-sm text-white disabled:bg-slate-300">
            Create
          </button>
          <button type="button" className={btn} onClick={() => setCreating(false)}>
            Cancel
          </button>
        </form>
      ) : null}
      {flows.length === 0 ? (
        <div className="rounded-lg border border-dashed border-slate-300 bg-white p-10 text-center text-slate-500">
          {canWrite ? (
            <>
              No flows yet. Create one, import a flow file, or run <code className="rounded bg-slate-100 px-1">npm run setup</code> to add the example flow.
            </>
          ) : (
            "No flows yet."
          )}
        </div>
      ) : (
        <ul className="divide-y divide-slate-200 overflow-hidden rounded-lg border border-slate-200 bg-white shadow-sm" aria-label="Flows">
          {flows.map((f) => (
            <li key={f.id} className="flex items-center gap-4 pr-4 hover:bg-slate-50" data-testid="flow-row">
              {renaming?.id === f.id ? (
                <form
                  className="flex flex-1 items-center gap-2 px-5 py-3"
                  onSubmit={(e) => {
                    e.preventDefault();
                    void rename();
                  }}
                >
                  <input autoFocus aria-label="New name" value={renaming.name} onChange={(e) => setRenaming({ id: f.id, name: e.target.value })} className="w-72 rounded-md border border-slate-300 px-2 py-1 text-sm" />
                  <button type="submit" disabled={!renaming.name.trim()} className="rounded-md bg-sky-600 px-3 py-1 text-sm text-white disabled:bg-slate-300">
                    Save
                  </button>
                  <button type="button" className={btn} onClick={() => setRenaming(null)}>
                    Cancel
                  </button>
                </form>
              ) : (
                <Link href={`/flows/${f.id}`} className="flex min-w-0 flex-1 items-center gap-6 px-5 py-4" data-testid="flow-link">
                  <div className="min-w-0 flex-1">
                    <div className="flex items-center gap-2">
                      <span className="font-medium text-sky-700">{f.name}</span>
                      <RunState running={runStates === null ? undefined : (runStates.get(f.id) ?? false)} />
                    </div>
                    {f.description ? <div className="mt-0.5 truncate text-sm text-slate-500">{f.description}</div> : null}
                  </div>
                  <div className="shrink-0 text-right text-sm text-slate-600">
                    {f.processorCount === null ? (
                      <span className="text-red-600">invalid snapshot</span>
                    ) : (
                      <span>
                        {f.processorCount} {f.processorCount === 1 ? "processor" : "processors"}
                      </span>
                    )}
                  </div>
                  <div className="w-48 shrink-0 text-right text-sm text-slate-500">
                    <time dateTime={f.updatedAt}>Updated {f.updatedLabel}</time>
                  </div>
                </Link>
              )}
              <div className="flex shrink-0 gap-1 text-xs">
                {canWrite ? (
                  <button type="button" className="rounded px-2 py-1 text-slate-600 hover:bg-slate-200" onClick={() => setRenaming({ id: f.id, name: f.name })} aria-label={`Rename ${f.name}`}>
                    Rename
                  </button>
                ) : null}
                <a className="rounded px-2 py-1 text-slate-600 hover:bg-slate-200" href={`/api/flows/${f.id}/export`} download title={`Download the flow file of ${f.name}`}>
                  Export
                </a>
                {canWrite ? (
                  <button type="button" className="rounded px-2 py-1 text-red-700 hover:bg-red-100" onClick={() => void remove(f)} aria-label={`Delete ${f.name}`}>
                    Delete
                  </button>
                ) : null}
              </div>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** "Running" or "Stopped" beside a flow's name; nothing until the node has answered. */
function RunState({ running }: { running: boolean | undefined }) {
  if (running === undefined) return null;
  return running ? (
    <span data-testid="flow-state" className="inline-flex items-center gap-1 rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-800">
      <span aria-hidden className="h-1.5 w-1.5 rounded-full bg-emerald-500" />
      Running
    </span>
  ) : (
    <span data-testid="flow-state" className="rounded-full bg-slate-100 px-2 py-0.5 text-xs text-slate-600">
      Stopped
    </span>
  );
}

/** A button that opens a file picker (a hidden input, which tests fill directly) and hands over the file chosen. */
function FileButton(props: { className: string; label: string; title?: string; disabled?: boolean; inputLabel: string; accept: string; testId: string; onFile: (file: File) => void }) {
  const ref = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" className={props.className} title={props.title} disabled={props.disabled} onClick={() => ref.current?.click()}>
        {props.label}
      </button>
      <input
        ref={ref}
        type="file"
        accept={props.accept}
        className="hidden"
        aria-label={props.inputLabel}
        data-testid={props.testId}
        onChange={(e) => {
          const f = e.target.files?.[0];
          // Cleared, so choosing the same file again imports it again.
          e.target.value = "";
          if (f) props.onFile(f);
        }}
      />
    </>
  );
}
