/**
 * What an import of a NiFi flow did, component by component: mapped as is, mapped with changes
 * (each change said), not supported (with the reason), and the sensitive values that must be
 * entered because NiFi exports never carry them. Plain data: the CLI prints it with
 * `formatReport`, the designer shows it.
 */

/** Kinds of NiFi components the report names. */
export type NifiComponentKind =
  | "processor"
  | "connection"
  | "process-group"
  | "input-port"
  | "output-port"
  | "funnel"
  | "controller-service"
  | "label"
  | "remote-process-group"
  | "parameter-context"
  | "variable"
  | "reporting-task";

/** One NiFi component in the report. */
export interface ReportEntry {
  kind: NifiComponentKind;
  name: string;
  /** Where the component is in the NiFi file (JSON path). */
  path: string;
  /** NiFi class, for processors and services. */
  nifiType?: string;
  /** Its id in the Sluice flow, when it is there. */
  id?: string;
  /** Sluice type, for processors and services (a placeholder's is `nifi:<class>`). */
  sluiceType?: string;
  /** "changed": what differs from NiFi, one sentence each. */
  changes?: string[];
  /** "unsupported": why it is not in the Sluice flow, or what kind of placeholder it is. */
  reason?: string;
}

/** A sensitive value left out: where in the Sluice flow it must be entered. */
export interface MustEnter {
  /** Name of the processor or service. */
  component: string;
  /** Path in the Sluice flow document, e.g. `services[0].properties.password`. */
  path: string;
  /** The NiFi property it came from. */
  nifiProperty: string;
}

export interface ImportReport {
  source: {
    /** "flow-definition": NiFi's "Download flow definition"; "registry-snapshot": a NiFi Registry version; "flow-json": a whole instance's flow.json(.gz). */
    format: "flow-definition" | "registry-snapshot" | "flow-json";
    gzip: boolean;
    /** Name of the exported process group (the root group for flow-json). */
    name: string;
  };
  mapped: ReportEntry[];
  changed: ReportEntry[];
  unsupported: ReportEntry[];
  mustEnter: MustEnter[];
}

/** Counts per section, for a one-line summary. */
export function reportSummary(r: ImportReport): string {
  const placeholders = r.unsupported.filter((e) => e.kind === "processor").length;
  return (
    `${r.mapped.length} mapped, ${r.changed.length} mapped with changes, ${r.unsupported.length} not supported` +
    (placeholders ? ` (${placeholders} placeholder processor${placeholders === 1 ? "" : "s"})` : "") +
    (r.mustEnter.length ? `, ${r.mustEnter.length} sensitive value${r.mustEnter.length === 1 ? "" : "s"} to enter` : "")
  );
}

function label(e: ReportEntry): string {
  const type = e.nifiType ? ` (${e.nifiType.split(".").pop()}${e.sluiceType && !e.sluiceType.startsWith("nifi:") ? ` → ${e.sluiceType}` : ""})` : "";
  return `${e.kind} "${e.name}"${type}`;
}

/** The report as text, for the CLI. */
export function formatReport(r: ImportReport): string {
  const lines: string[] = [`NiFi ${r.source.format}${r.source.gzip ? " (gzip)" : ""} "${r.source.name}": ${reportSummary(r)}`];
  if (r.mapped.length) {
    lines.push("", "Mapped:");
    for (const e of r.mapped) lines.push(`  ${label(e)}`);
  }
  if (r.changed.length) {
    lines.push("", "Mapped with changes:");
    for (const e of r.changed) {
      lines.push(`  ${label(e)}`);
      for (const c of e.changes ?? []) lines.push(`    - ${c}`);
    }
  }
  if (r.unsupported.length) {
    lines.push("", "Not supported:");
    for (const e of r.unsupported) {
      lines.push(`  ${label(e)}: ${e.reason ?? ""}  [${e.path}]`);
      for (const c of e.changes ?? []) lines.push(`    - ${c}`);
    }
  }
  if (r.mustEnter.length) {
    lines.push("", "Sensitive values to enter (NiFi exports leave them out):");
    for (const m of r.mustEnter) lines.push(`  ${m.component}: ${m.path} (NiFi property "${m.nifiProperty}")`);
  }
  return lines.join("\n");
}
