"use client";
/**
 * The report of a NiFi import (engine/import/nifi/report.ts) as the flow list shows it: what
 * was not supported (placeholders first), what was mapped with changes and which, the
 * sensitive values to enter, and (folded) what was mapped as is. Read-only.
 */
import Link from "next/link";
import type { ReactNode } from "react";
import type { ImportReport, ReportEntry } from "../../../engine/import/nifi/report";

/** What the import route answers (201). */
export interface NifiImportAnswer {
  id: string;
  name: string;
  renamedFrom?: string;
  report: ImportReport;
  problems: Array<{ path: string; message: string }>;
}

const FORMAT: Record<ImportReport["source"]["format"], string> = {
  "flow-definition": "flow definition",
  "registry-snapshot": "NiFi Registry snapshot",
  "flow-json": "flow.json",
};

/** One section of the report: a heading with the count, then one list item per entry; nothing when empty. */
function Section<T>(props: { title: string; tone: string; testId: string; items: readonly T[]; note?: string; children: (item: T) => ReactNode }) {
  if (!props.items.length) return null;
  return (
    <div className="mt-4">
      <h3 className={`font-semibold ${props.tone}`}>
        {props.title} ({props.items.length})
      </h3>
      {props.note ? <p className="text-slate-500">{props.note}</p> : null}
      <ul className="mt-1 space-y-1" data-testid={props.testId}>
        {props.items.map((item, i) => (
          <li key={i}>{props.children(item)}</li>
        ))}
      </ul>
    </div>
  );
}

function EntryHead({ e }: { e: ReportEntry }) {
  return (
    <span>
      <span className="rounded bg-slate-100 px-1 text-xs text-slate-600">{e.kind}</span> <span className="font-medium">{e.name}</span>
      {e.nifiType ? (
        <span className="text-slate-500">
          {" "}
          <code className="text-xs">{e.nifiType.split(".").pop()}</code>
          {e.sluiceType && !e.sluiceType.startsWith("nifi:") && e.sluiceType !== e.nifiType.split(".").pop() ? <> → {e.sluiceType}</> : null}
        </span>
      ) : null}
    </span>
  );
}

export function NifiImportReport({ answer, fileName, onClose }: { answer: NifiImportAnswer; fileName: string; onClose: () => void }) {
  const r = answer.report;
  const unsupported = [...r.unsupported].sort((a, b) => Number(b.kind === "processor") - Number(a.kind === "processor"));
  return (
    <section aria-label="NiFi import report" data-testid="nifi-report" className="mb-6 rounded-lg border border-sky-200 bg-white p-4 text-sm shadow-sm">
      <div className="flex items-start justify-between gap-4">
        <div>
          <h2 className="text-base font-semibold">
            Imported “{answer.name}” from {fileName}
          </h2>
          <p className="mt-0.5 text-slate-600" data-testid="nifi-report-summary">
            NiFi {FORMAT[r.source.format]}
            {r.source.gzip ? " (gzip)" : ""}: {r.mapped.length} mapped, {r.changed.length} mapped with changes, {r.unsupported.length} not supported
            {r.mustEnter.length ? `, ${r.mustEnter.length} sensitive value${r.mustEnter.length === 1 ? "" : "s"} to enter` : ""}.
          </p>
          {answer.renamedFrom ? (
            <p className="mt-1 text-amber-700" data-testid="nifi-report-renamed">
              A flow named “{answer.renamedFrom}” already exists, so this one is named “{answer.name}”.
            </p>
          ) : null}
          {answer.problems.length ? (
            <p className="mt-1 text-slate-600">
              {answer.problems.length} problem{answer.problems.length === 1 ? "" : "s"} to fix in the designer before it can run
              {unsupported.some((e) => e.kind === "processor") ? " (each placeholder is one: replace it with a Sluice processor)" : ""}.
            </p>
          ) : (
            <p className="mt-1 text-emerald-700">The flow validates.</p>
          )}
        </div>
        <div className="flex shrink-0 gap-2">
          <Link href={`/flows/${answer.id}`} className="rounded-md bg-sky-600 px-3 py-1.5 text-white hover:bg-sky-700">
            Open flow
          </Link>
          <button type="button" onClick={onClose} className="rounded-md border border-slate-300 px-3 py-1.5 text-slate-700 hover:bg-slate-100">
            Dismiss
          </button>
        </div>
      </div>
      <Section title="Not supported" tone="text-red-800" testId="nifi-report-unsupported" items={unsupported}>
        {(e) => (
          <>
            <EntryHead e={e} />: {e.reason} <code className="text-xs text-slate-400">{e.path}</code>
          </>
        )}
      </Section>
      <Section title="Mapped with changes" tone="text-amber-800" testId="nifi-report-changed" items={r.changed}>
        {(e) => (
          <>
            <EntryHead e={e} />
            <ul className="list-disc pl-6 text-slate-600">
              {(e.changes ?? []).map((c, k) => (
                <li key={k}>{c}</li>
              ))}
            </ul>
          </>
        )}
      </Section>
      <Section title="Sensitive values to enter" tone="text-slate-800" testId="nifi-report-must-enter" items={r.mustEnter} note="NiFi exports never carry them; enter each one in the designer (parameters on the Parameter Contexts page).">
        {(m) => (
          <>
            {m.component}: <code className="text-xs">{m.path}</code> (from NiFi “{m.nifiProperty}”)
          </>
        )}
      </Section>
      {r.mapped.length ? (
        <details className="mt-4">
          <summary className="cursor-pointer font-semibold text-emerald-800">Mapped as is ({r.mapped.length})</summary>
          <ul className="mt-1 space-y-0.5" data-testid="nifi-report-mapped">
            {r.mapped.map((e, i) => (
              <li key={i}>
                <EntryHead e={e} />
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}
