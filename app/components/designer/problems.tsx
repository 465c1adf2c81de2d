"use client";
/**
 * The Problems list: the saved flow's validation problems in the words of the canvas. A problem
 * of a processor or connection names it ("Write files (PutFile)") and the field by its label
 * ("Directory", "Relationship failure", "Run schedule") instead of the document path
 * (`processors[4].properties.directory`), and choosing it selects that component. Problems of
 * the flow as a whole keep their path.
 *
 * Contract: pure rendering of `analysis` against `doc` (the analysis is keyed by component id,
 * so a document edited since the analysis still names the right components).
 */
import type { ConfigProblem, FlowAnalysis, FlowDocument, ProcessorTypeInfo } from "../../lib/engine-client";

/** A component a problem can select. */
export type ProblemTarget = { kind: "processor"; id: string } | { kind: "connection"; id: string };

const SCHEDULING_LABELS: Record<string, string> = {
  runSchedule: "Run schedule",
  cron: "CRON expression",
  concurrentTasks: "Concurrent tasks",
  batchSize: "Batch size",
  penaltyDuration: "Penalty duration",
  yieldDuration: "Yield duration",
  executionNode: "Execution",
  strategy: "Scheduling strategy",
};

const CONNECTION_LABELS: Record<string, string> = {
  source: "Source",
  destination: "Destination",
  relationships: "Relationships",
  expiration: "FlowFile expiration",
  "backPressure.objectThreshold": "Back pressure object threshold",
  "backPressure.dataSizeThreshold": "Back pressure data size threshold",
};

/** The label a user knows for a processor problem's `property` ("" = the processor itself). */
export function fieldLabel(property: string, info: ProcessorTypeInfo | undefined): string {
  if (property === "") return "";
  const rel = /^relationships\.(.+)$/.exec(property);
  if (rel) return `Relationship ${rel[1]}`;
  const sched = /^scheduling\.(.+)$/.exec(property);
  if (sched) return SCHEDULING_LABELS[sched[1]!] ?? sched[1]!;
  if (/^autoTerminate(\[\d+\])?$/.test(property)) return "Auto-terminate";
  return info?.properties.find((p) => p.name === property)?.displayName ?? property;
}

/** One line of the list. */
export interface ProblemLine {
  /** What is wrong where: "Write files (PutFile)". Empty for flow-wide problems. */
  component: string;
  field: string;
  message: string;
  target?: ProblemTarget;
  /** The document path, for flow-wide problems. */
  path?: string;
}

/** Every problem of `analysis` as a line: processors and connections in document order, then the rest. */
export function problemLines(doc: FlowDocument, analysis: FlowAnalysis, typeMap: ReadonlyMap<string, ProcessorTypeInfo>): ProblemLine[] {
  const out: ProblemLine[] = [];
  const procName = (id: string) => {
    const p = doc.processors.find((x) => x.id === id);
    return p ? `${p.name ?? p.type}${p.name && p.name !== p.type ? ` (${p.type})` : ""}` : id;
  };
  for (const p of doc.processors) {
    const list: ConfigProblem[] = analysis.processors[p.id]?.problems ?? [];
    for (const pr of list) out.push({ component: procName(p.id), field: fieldLabel(pr.property, typeMap.get(p.type)), message: pr.message, target: { kind: "processor", id: p.id } });
  }
  for (const c of doc.connections) {
    const list = analysis.connections[c.id]?.problems ?? [];
    const name = c.name ?? `${procName(c.source)} → ${procName(c.destination)}`;
    for (const pr of list) out.push({ component: `Connection ${name}`, field: CONNECTION_LABELS[pr.property] ?? pr.property, message: pr.message, target: { kind: "connection", id: c.id } });
  }
  for (const pr of analysis.problems) {
    if (/^(processors|connections)\[\d+\]/.test(pr.path)) continue;
    out.push({ component: "", field: "", message: pr.message, path: pr.path });
  }
  return out;
}

/** The list; choosing a line with a component calls `onSelect`. */
export function ProblemsList({ doc, analysis, typeMap, onSelect }: { doc: FlowDocument; analysis: FlowAnalysis; typeMap: ReadonlyMap<string, ProcessorTypeInfo>; onSelect: (t: ProblemTarget) => void }) {
  const lines = problemLines(doc, analysis, typeMap);
  if (!lines.length) return <p>No problems.</p>;
  return (
    <ul className="space-y-0.5" aria-label="Problems">
      {lines.map((l, i) => (
        <li key={i} data-testid="problem">
          {l.target ? (
            <button type="button" onClick={() => onSelect(l.target!)} className="text-left hover:underline" title="Select it on the canvas">
              <b className="font-semibold">{l.component}</b>
              {l.field ? ` · ${l.field}` : ""}: {l.message}
            </button>
          ) : (
            <span>
              {l.path ? <code className="text-xs">{l.path}</code> : null}: {l.message}
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}
