/**
 * Reference docs rendered from processor descriptors, so the docs are never written twice:
 * scripts/gen-docs.ts writes docs/processors.md with `renderAllProcessorDocs`, a unit test
 * keeps that file equal to a fresh rendering, and the app can show `renderProcessorDocs` for
 * one processor. Output is GitHub-flavoured Markdown and deterministic (no dates, stable order).
 */
import { restrictionsOf, type AnyProcessorDefinition, type PropertyDescriptor } from "../engine/sdk";

const INPUT: Record<AnyProcessorDefinition["input"], string> = {
  required: "required — runs only when FlowFiles are queued for it",
  allowed: "allowed — runs with or without incoming FlowFiles",
  forbidden: "forbidden — a source; it accepts no incoming connection",
};

/** Makes text safe inside a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>");
}

function code(text: string): string {
  if (text === "") return "*(empty)*";
  const fence = text.includes("`") ? "`` " : "`";
  return `${fence}${text}${fence === "`` " ? " ``" : "`"}`;
}

/** "a", "a and b", "a, b and c". */
function listOf(items: readonly string[]): string {
  return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** The anchor GitHub generates for a heading. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");
}

function propertyRow(name: string, d: PropertyDescriptor): string {
  let description = d.description;
  if (d.dependsOn) {
    const when = d.dependsOn.values ? d.dependsOn.values.map((v) => code(v)).join(" or ") : "set";
    description += ` *Only when \`${d.dependsOn.property}\` is ${when}.*`;
  }
  const allowed = d.allowableValues
    ? d.allowableValues.map((a) => (a.description ? `${code(a.value)}: ${a.description}` : code(a.value))).join("\n")
    : "";
  const defaultValue = d.defaultValue === undefined ? "" : code(d.defaultValue);
  const flags = [d.expressionLanguage === "flowfile" ? "yes" : "no", d.sensitive ? "yes" : "no", d.required ? "yes" : "no"];
  return `| **${cell(d.displayName)}**<br>${cell(code(name))} | ${cell(description)} | ${cell(defaultValue)} | ${cell(allowed)} | ${flags.join(" | ")} |`;
}

/** Markdown for one processor, starting with a level-`level` heading (default 2). */
export function renderProcessorDocs(def: AnyProcessorDefinition, level = 2): string {
  const h = "#".repeat(level);
  const out: string[] = [`${h} ${def.type}`, "", def.summary, ""];
  if (def.tags?.length) out.push(`**Tags:** ${def.tags.join(", ")}`, "");
  out.push(`**Input:** ${INPUT[def.input]}`, "");
  const kinds = restrictionsOf(def);
  if (def.restricted && kinds.length > 0) {
    out.push(
      `**Restricted:** ${kinds.map((k) => code(k)).join(", ")}. ${def.restricted.explanation} Adding, configuring or starting it needs ${listOf(kinds.map((k) => code(`restricted:${k}`)))}.`,
      "",
    );
  }
  if (def.defaultSchedule) {
    const parts: string[] = [];
    if (def.defaultSchedule.runSchedule) parts.push(`run schedule ${def.defaultSchedule.runSchedule}`);
    if (def.defaultSchedule.batchSize) parts.push(`batch size ${def.defaultSchedule.batchSize}`);
    out.push(`**Default scheduling:** ${parts.join(", ")}`, "");
  }
  if (def.description) out.push(def.description, "");

  out.push(`${h}# Properties`, "");
  const props = Object.entries(def.properties);
  if (props.length === 0) out.push("None.", "");
  else {
    out.push("| Property | Description | Default | Allowable values | EL | Sensitive | Required |", "| --- | --- | --- | --- | --- | --- | --- |");
    for (const [name, d] of props) out.push(propertyRow(name, d));
    out.push("");
  }

  if (def.dynamicProperties) {
    const d = def.dynamicProperties;
    out.push(`${h}# Dynamic properties`, "", d.description, "");
    out.push(`- Expression Language: ${d.expressionLanguage === false ? "no" : "yes, evaluated per FlowFile"}`);
    if (d.relationships) out.push(`- Each dynamic property is also a relationship${typeof d.relationships === "function" ? " (depending on the configuration)" : ""}.`);
    out.push("");
  }

  out.push(`${h}# Relationships`, "", "| Name | Description |", "| --- | --- |");
  for (const [name, r] of Object.entries(def.relationships)) {
    out.push(`| ${cell(code(name))} | ${cell(r.description + (r.autoTerminateByDefault ? " *Auto-terminated unless connected.*" : ""))} |`);
  }
  out.push("");

  for (const [title, attrs] of [
    ["Reads attributes", def.readsAttributes],
    ["Writes attributes", def.writesAttributes],
  ] as const) {
    if (!attrs || Object.keys(attrs).length === 0) continue;
    out.push(`${h}# ${title}`, "", "| Attribute | Description |", "| --- | --- |");
    for (const [name, desc] of Object.entries(attrs)) out.push(`| ${cell(code(name))} | ${cell(desc)} |`);
    out.push("");
  }
  return out.join("\n");
}

/** The whole reference: an index, then every processor sorted by type. */
export function renderAllProcessorDocs(defs: readonly AnyProcessorDefinition[]): string {
  const sorted = [...defs].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  const out: string[] = [
    "# Processor reference",
    "",
    "<!-- Generated by scripts/gen-docs.ts from the processor descriptors in processors/registry.ts. Do not edit by hand: run `npx tsx scripts/gen-docs.ts`. -->",
    "",
    "Expression Language (EL) is described in [engine/core/el/README.md](../engine/core/el/README.md). Durations are written like `30 sec` or `5 min`, data sizes like `1 MB`.",
    "",
    "Restricted processors reach files, ports or other hosts; using one needs a `restricted:<kind>` permission per kind, and file access stays below `SLUICE_FILE_ROOTS`.",
    "",
    "| Processor | Summary | Restricted |",
    "| --- | --- | --- |",
    ...sorted.map((d) => `| [${d.type}](#${anchorOf(d.type)}) | ${cell(d.summary)} | ${restrictionsOf(d).join(", ")} |`),
    "",
  ];
  for (const d of sorted) out.push(renderProcessorDocs(d, 2));
  return out.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd() + "\n";
}
