"use client";
/**
 * The processor configuration panel, generated from the type's property descriptors: one input
 * per kind, an Expression Language hint where EL is evaluated, masked sensitive values, dynamic
 * properties, scheduling and auto-termination. Every change is validated by the server as you
 * type (the same validation the engine runs); Apply stays disabled while a value is invalid.
 * Read-only (a user who may not change it): every field is disabled, nothing is validated, and
 * there is only Close; `notice` says why, above the fields.
 */
import { useEffect, useMemo, useRef, useState } from "react";
import type { ConfigProblem, ElFunctionInfo, ProcessorConfig, ProcessorTypeInfo, PropertyInfo } from "../../lib/engine-client";
import { SENSITIVE_PLACEHOLDER } from "../../lib/secrets";
import { api } from "./api-client";
import { ElTextarea } from "./el-textarea";
import { isParameterProblem, mergeParameterProblems, ParameterHint, parameterProblems, resolveForValidation } from "../parameters/panel-parameters";
import type { PanelParameters } from "../parameters/use-parameter-contexts";

const HINTS: Partial<Record<PropertyInfo["kind"], string>> = {
  duration: "A duration, e.g. 30 sec, 500 ms, 5 min, 1 hr",
  dataSize: "A data size, e.g. 512 B, 64 KB, 10 MB, 1 GB",
  integer: "A whole number",
  number: "A number",
};

interface DynamicRow {
  key: number;
  name: string;
  value: string;
  /** The value is a secret: masked, encrypted at rest (the processor's sensitiveDynamicProperties). */
  sensitive: boolean;
}

interface FormState {
  name: string;
  comments: string;
  properties: Record<string, string>;
  dynamic: DynamicRow[];
  strategy: "timer" | "cron";
  runSchedule: string;
  cron: string;
  concurrentTasks: string;
  batchSize: string;
  penaltyDuration: string;
  yieldDuration: string;
  /** scheduling.executionNode: every node of a cluster, or only the primary node. */
  executionNode: "all" | "primary";
  autoTerminate: string[];
}

function initialForm(proc: ProcessorConfig, info: ProcessorTypeInfo | undefined): FormState {
  const declared = new Set(info?.properties.map((p) => p.name) ?? []);
  const properties: Record<string, string> = {};
  const dynamic: DynamicRow[] = [];
  let key = 0;
  const secret = new Set(proc.sensitiveDynamicProperties ?? []);
  for (const [k, v] of Object.entries(proc.properties)) {
    if (declared.has(k) || !info?.dynamicProperties) properties[k] = v;
    else dynamic.push({ key: key++, name: k, value: v, sensitive: secret.has(k) });
  }
  const s = proc.scheduling;
  return {
    name: proc.name ?? proc.type,
    comments: proc.comments ?? "",
    properties,
    dynamic,
    strategy: s.strategy,
    runSchedule: s.runSchedule,
    cron: s.cron ?? "",
    concurrentTasks: String(s.concurrentTasks),
    batchSize: String(s.batchSize),
    penaltyDuration: s.penaltyDuration,
    yieldDuration: s.yieldDuration,
    executionNode: s.executionNode ?? "all",
    autoTerminate: [...proc.autoTerminate],
  };
}

function dependencyMet(p: PropertyInfo, values: Record<string, string>, all: PropertyInfo[]): boolean {
  if (!p.dependsOn) return true;
  const dep = all.find((x) => x.name === p.dependsOn!.property);
  const v = values[p.dependsOn.property] || dep?.defaultValue;
  if (!v) return false;
  return p.dependsOn.values ? p.dependsOn.values.includes(v) : true;
}

/** Names of the dynamic properties marked sensitive, or undefined when there are none. */
function sensitiveDynamic(f: FormState): string[] | undefined {
  const names = f.dynamic.filter((d) => d.sensitive && d.name.trim() !== "").map((d) => d.name.trim());
  return names.length ? names : undefined;
}

/** The properties map the form stands for: set values only, dynamic rows included. */
function formProperties(f: FormState): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(f.properties)) if (v !== "") out[k] = v;
  for (const d of f.dynamic) if (d.name.trim() !== "") out[d.name.trim()] = d.value;
  return out;
}

function intProblem(text: string, min: number, max: number, label: string): string | null {
  if (!/^\s*\d+\s*$/.test(text)) return `${label} must be a whole number`;
  const n = Number(text);
  if (n < min || n > max) return `${label} must be between ${min} and ${max}`;
  return null;
}

/** Problems the browser can see without the server (numbers, dynamic property names). */
function localProblems(f: FormState, info: ProcessorTypeInfo | undefined): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const ct = intProblem(f.concurrentTasks, 1, 64, "Concurrent tasks");
  if (ct) out.push({ property: "scheduling.concurrentTasks", message: ct });
  const bs = intProblem(f.batchSize, 1, 100_000, "Batch size");
  if (bs) out.push({ property: "scheduling.batchSize", message: bs });
  if (f.name.trim() === "") out.push({ property: "name", message: "Name must not be empty" });
  const seen = new Set<string>();
  const declared = new Set(info?.properties.map((p) => p.name) ?? []);
  for (const d of f.dynamic) {
    const n = d.name.trim();
    if (n === "") out.push({ property: `dynamic.${d.key}`, message: "A dynamic property needs a name" });
    else if (declared.has(n)) out.push({ property: `dynamic.${d.key}`, message: `"${n}" is the name of a declared property` });
    else if (seen.has(n)) out.push({ property: `dynamic.${d.key}`, message: `"${n}" is used twice` });
    seen.add(n);
  }
  return out;
}

/**
 * The scheduling the form stands for. `forValidation`: a count that is not a whole number is
 * sent as 1, so the server still checks the other scheduling fields (it stops at the first
 * field that does not parse) and the browser's own message for the count is the only one.
 */
function schedulingOf(f: FormState, forValidation = false) {
  const count = (text: string) => (forValidation && !/^\s*\d+\s*$/.test(text) ? 1 : Number(text));
  return {
    strategy: f.strategy,
    runSchedule: f.runSchedule,
    ...(f.strategy === "cron" || f.cron ? { cron: f.cron } : {}),
    concurrentTasks: count(f.concurrentTasks),
    batchSize: count(f.batchSize),
    penaltyDuration: f.penaltyDuration,
    yieldDuration: f.yieldDuration,
    // "all" is the default: it is left out, as the flow file format does.
    ...(f.executionNode === "primary" ? { executionNode: "primary" as const } : {}),
  };
}

/**
 * Problems of the processor's place in the flow, as the canvas sees them: each relationship that
 * is neither connected nor auto-terminated in the form, and the canvas's processor-level
 * problems (such as a missing incoming connection).
 */
function graphProblems(rels: string[], autoTerminate: string[], connected: string[], info: ProcessorTypeInfo | undefined, canvas: ConfigProblem[]): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const r of rels) {
    const byDefault = info?.relationships.find((x) => x.name === r)?.autoTerminateByDefault === true;
    if (!connected.includes(r) && !autoTerminate.includes(r) && !byDefault) out.push({ property: `relationships.${r}`, message: `Relationship "${r}" is neither connected nor auto-terminated` });
  }
  for (const p of canvas) if (p.property === "") out.push(p);
  return out;
}

function Field({ label, htmlFor, required, hint, problems, children, extra }: { label: string; htmlFor: string; required?: boolean; hint?: string; problems: ConfigProblem[]; children: React.ReactNode; extra?: React.ReactNode }) {
  return (
    <div className="mb-3">
      <div className="mb-0.5 flex items-center gap-2">
        <label htmlFor={htmlFor} className="text-sm font-medium text-slate-800">
          {label}
          {required ? <span className="text-red-600"> *</span> : null}
        </label>
        {extra}
      </div>
      {children}
      {hint ? <p className="mt-0.5 text-[11px] text-slate-500">{hint}</p> : null}
      {problems.map((p, i) => (
        <p key={i} role="alert" className="field-error mt-0.5 text-xs text-red-600">
          {p.message}
        </p>
      ))}
    </div>
  );
}

const inputClass = (bad: boolean) =>
  `w-full rounded-md border px-2 py-1 text-sm focus:outline-none ${bad ? "border-red-400 bg-red-50 focus:border-red-500" : "border-slate-300 focus:border-sky-500"}`;

function ElHint({ functions }: { functions: ElFunctionInfo[] }) {
  const [q, setQ] = useState("");
  const shown = functions.filter((f) => !q || f.name.toLowerCase().includes(q.toLowerCase()) || f.summary.toLowerCase().includes(q.toLowerCase()));
  return (
    <div className="mt-1 rounded-md border border-violet-200 bg-violet-50 p-2 text-xs" data-testid="el-hint">
      <p className="text-violet-900">
        Expression Language: <code>{"${attribute}"}</code>, <code>{"${filename:toUpper()}"}</code>, <code>{"${now():format('yyyy-MM-dd')}"}</code>. Type <code>:</code> after a
        subject for function names.{" "}
        <a href="/docs/expression-language" target="_blank" rel="noreferrer" className="text-violet-800 underline">
          Full reference
        </a>
        . Functions:
      </p>
      <input value={q} onChange={(e) => setQ(e.target.value)} placeholder="Filter functions…" aria-label="Filter EL functions" className="mt-1 w-full rounded border border-violet-200 px-1.5 py-0.5" />
      <ul className="mt-1 max-h-40 overflow-y-auto">
        {shown.map((f) => (
          <li key={f.name} className="py-0.5">
            <code className="text-violet-800">{f.subject === "required" ? `:${f.signature}` : f.signature}</code> <span className="text-slate-500">→ {f.returns}</span>
            <div className="text-slate-600">{f.summary}</div>
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * Props: the processor as saved, its type info, its current relationships, the EL functions;
 * `onApply` gets the patch to apply (name, properties, scheduling, autoTerminate, comments).
 * `readOnly` shows the settings without a way to change them; `notice` is shown above them.
 */
export function ConfigPanel({
  proc,
  info,
  relationships,
  elFunctions,
  readOnly = false,
  notice = null,
  parameters = null,
  connected = [],
  canvasProblems = [],
  onApply,
  onCancel,
}: {
  proc: ProcessorConfig;
  info: ProcessorTypeInfo | undefined;
  relationships: string[];
  elFunctions: ElFunctionInfo[];
  readOnly?: boolean;
  notice?: string | null;
  /** The parameters its properties may reference as #{name}: the bound context's (null while unknown). */
  parameters?: PanelParameters | null;
  /** Relationships a connection carries: never shown as auto-terminated. */
  connected?: string[];
  /** The canvas's problems of this processor (the saved flow's analysis). */
  canvasProblems?: ConfigProblem[];
  onApply: (patch: Partial<ProcessorConfig>) => void;
  onCancel: () => void;
}) {
  const [form, setForm] = useState<FormState>(() => initialForm(proc, info));
  // The server's verdict on one form state; the form is "pending" until the verdict is for it.
  const [server, setServer] = useState<{ form: FormState; problems: ConfigProblem[]; relationships: string[] } | null>(null);
  const [elOpen, setElOpen] = useState<string | null>(null);
  const seq = useRef(0);
  const nextKey = useRef(1000);

  // Validate on every change (debounced); a response for an older form is ignored.
  useEffect(() => {
    if (readOnly) return;
    const my = ++seq.current;
    const t = setTimeout(async () => {
      const r = await api<{ problems: ConfigProblem[]; relationships: string[] }>("POST", "/api/processors/validate", {
        type: proc.type,
        // A #{name} reference is validated as the value it stands for.
        properties: resolveForValidation(formProperties(form), parameters),
        scheduling: schedulingOf(form, true),
        autoTerminate: form.autoTerminate,
      });
      if (my !== seq.current) return;
      if (r.ok) setServer({ form, problems: r.data.problems, relationships: r.data.relationships });
      else setServer({ form, problems: [{ property: "", message: r.error }], relationships: [] });
    }, 200);
    return () => clearTimeout(t);
  }, [form, proc.type, readOnly, parameters]);

  const all = info?.properties ?? [];
  const local = useMemo(() => localProblems(form, info), [form, info]);
  // One message per field: the browser's own (plain words) wins over the server's for that field.
  const localFields = new Set(local.map((p) => p.property));
  const problems = [...local, ...(server?.problems ?? []).filter((p) => !localFields.has(p.property))];

  // #{name} references that do not resolve: a problem naming the parameter, instead of the server's about the text.
  mergeParameterProblems(problems, parameterProblems(formProperties(form), parameters, new Set([...(info?.properties.filter((d) => d.sensitive).map((d) => d.name) ?? []), ...(sensitiveDynamic(form) ?? [])])));
  const byProp = (name: string) => problems.filter((p) => p.property === name);
  const values = form.properties;
  // A missing required value makes the processor invalid but may still be applied (it is shown
  // on the canvas); a value that does not parse may not.
  const blocking = problems.filter((p) => {
    if (p.property === "autoTerminate") return false;
    if (isParameterProblem(p)) return false;
    const required = /is required$/.test(p.message);
    return !(required && (values[p.property] ?? "") === "");
  });
  const pending = server?.form !== form;
  const rels = server?.relationships.length ? server.relationships : relationships;
  // Graph problems: what makes the processor invalid on the canvas although every field is
  // fine (a relationship neither connected nor auto-terminated, a missing incoming connection).
  // They do not block Apply: they are fixed on the canvas, or by ticking auto-terminate here.
  const graph = graphProblems(rels, form.autoTerminate, connected, info, canvasProblems);
  const declaredOther = problems.filter((p) => p.property === "" || (!p.property.startsWith("scheduling.") && !p.property.startsWith("dynamic.") && p.property !== "name" && p.property !== "autoTerminate" && !all.some((d) => d.name === p.property) && !form.dynamic.some((d) => d.name.trim() === p.property)));

  const setProp = (name: string, value: string) => setForm((f) => ({ ...f, properties: { ...f.properties, [name]: value } }));
  const set = <K extends keyof FormState>(k: K, v: FormState[K]) => setForm((f) => ({ ...f, [k]: v }));

  const apply = () => {
    if (readOnly || blocking.length || pending) return;
    onApply({
      name: form.name.trim(),
      comments: form.comments.trim() ? form.comments : undefined,
      properties: formProperties(form),
      sensitiveDynamicProperties: sensitiveDynamic(form),
      scheduling: schedulingOf(form) as ProcessorConfig["scheduling"],
      autoTerminate: form.autoTerminate.filter((r) => rels.includes(r) && !connected.includes(r)),
    });
  };

  function input(p: PropertyInfo) {
    const id = `prop-${p.name}`;
    const v = values[p.name] ?? "";
    const bad = byProp(p.name).length > 0 && v !== "";
    if (p.sensitive) {
      const isSet = v === SENSITIVE_PLACEHOLDER;
      return (
        <div className="flex gap-1">
          <input
            id={id}
            type="password"
            autoComplete="new-password"
            aria-label={p.displayName}
            value={isSet ? "" : v}
            placeholder={isSet ? "Sensitive value set (type to replace)" : "Not set"}
            onChange={(e) => setProp(p.name, e.target.value)}
            className={inputClass(bad)}
          />
          {v !== "" ? (
            <button type="button" onClick={() => setProp(p.name, "")} className="rounded border border-slate-300 px-2 text-xs hover:bg-slate-100">
              Clear
            </button>
          ) : null}
        </div>
      );
    }
    if (p.kind === "boolean") {
      const on = (v || p.defaultValue || "false") === "true";
      return (
        <button
          id={id}
          type="button"
          role="switch"
          aria-checked={on}
          aria-label={p.displayName}
          onClick={() => setProp(p.name, on ? "false" : "true")}
          className={`relative h-6 w-11 rounded-full transition-colors ${on ? "bg-sky-600" : "bg-slate-300"}`}
        >
          <span className={`absolute top-0.5 left-0.5 h-5 w-5 rounded-full bg-white shadow transition-transform ${on ? "translate-x-5" : ""}`} />
        </button>
      );
    }
    if (p.kind === "enum" && p.allowableValues) {
      return (
        <select id={id} aria-label={p.displayName} value={v} onChange={(e) => setProp(p.name, e.target.value)} className={inputClass(bad)}>
          <option value="">{p.defaultValue !== undefined ? `Default (${p.defaultValue})` : "(not set)"}</option>
          {p.allowableValues.map((a) => (
            <option key={a.value} value={a.value} title={a.description}>
              {a.displayName ?? a.value}
            </option>
          ))}
        </select>
      );
    }
    if (p.kind === "string" && p.expressionLanguage) {
      return (
        <ElTextarea
          id={id}
          label={p.displayName}
          value={v}
          placeholder={p.defaultValue}
          functions={elFunctions}
          onChange={(value) => setProp(p.name, value)}
          className={`${inputClass(bad)} font-mono text-xs`}
        />
      );
    }
    return (
      <input
        id={id}
        type="text"
        inputMode={p.kind === "integer" || p.kind === "number" ? "numeric" : undefined}
        aria-label={p.displayName}
        value={v}
        placeholder={p.defaultValue}
        onChange={(e) => setProp(p.name, e.target.value)}
        className={inputClass(bad)}
        spellCheck={false}
      />
    );
  }

  const elBadge = (key: string) => (
    <button
      type="button"
      onClick={() => setElOpen(elOpen === key ? null : key)}
      className="rounded bg-violet-100 px-1.5 text-[10px] font-semibold text-violet-700 hover:bg-violet-200"
      title="Supports Expression Language: show the functions"
      aria-expanded={elOpen === key}
    >
      {"${EL}"}
    </button>
  );

  return (
    <form
      aria-label={`Configure ${proc.name ?? proc.type}`}
      data-testid="config-panel"
      className="flex h-full flex-col"
      onSubmit={(e) => {
        e.preventDefault();
        apply();
      }}
      onKeyDown={(e) => {
        if (e.key === "Escape") onCancel();
      }}
    >
      <div className="border-b border-slate-200 px-4 py-3">
        <div className="text-xs uppercase tracking-wide text-slate-500">{readOnly ? "Processor settings (read-only)" : "Configure processor"}</div>
        <div className="font-semibold text-slate-900">{info?.type ?? proc.type}</div>
        {info ? <p className="mt-0.5 text-xs text-slate-500">{info.summary}</p> : <p className="text-xs text-red-600">Unknown processor type</p>}
        {notice ? (
          <p role="note" data-testid="config-notice" className="mt-2 rounded bg-amber-50 px-2 py-1 text-xs text-amber-900">
            {notice}
          </p>
        ) : null}
      </div>
      <fieldset disabled={readOnly} className="min-h-0 min-w-0 flex-1 overflow-y-auto px-4 py-3">
        <section aria-label="Settings">
          <Field label="Name" htmlFor="cfg-name" required problems={byProp("name")}>
            <input id="cfg-name" aria-label="Name" value={form.name} onChange={(e) => set("name", e.target.value)} className={inputClass(byProp("name").length > 0)} />
          </Field>
        </section>

        <h3 className="mt-4 mb-2 border-b border-slate-100 pb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">Properties</h3>
        <ParameterHint parameters={parameters} />
        {declaredOther.map((p, i) => (
          <p key={i} role="alert" className="field-error mb-2 rounded bg-red-50 px-2 py-1 text-xs text-red-700">
            {p.property ? `${p.property}: ` : ""}
            {p.message}
          </p>
        ))}
        {all.filter((p) => dependencyMet(p, values, all)).map((p) => (
          <Field
            key={p.name}
            label={p.displayName}
            htmlFor={`prop-${p.name}`}
            required={p.required}
            hint={[p.description, HINTS[p.kind], p.defaultValue !== undefined && p.kind !== "enum" && p.kind !== "boolean" ? `Default: ${p.defaultValue === "" ? "(empty)" : p.defaultValue}` : ""].filter(Boolean).join(" · ")}
            problems={byProp(p.name)}
            extra={p.expressionLanguage ? elBadge(p.name) : p.sensitive ? <span className="text-[10px] text-slate-500">sensitive</span> : null}
          >
            {input(p)}
            {elOpen === p.name ? <ElHint functions={elFunctions} /> : null}
          </Field>
        ))}
        {all.length === 0 ? <p className="mb-2 text-sm text-slate-500">This processor has no declared properties.</p> : null}

        {info?.dynamicProperties ? (
          <div className="mt-2 rounded-md border border-slate-200 p-2" aria-label="Dynamic properties">
            <div className="mb-1 flex items-center justify-between">
              <span className="text-sm font-medium text-slate-800">Dynamic properties</span>
              {info.dynamicProperties.expressionLanguage ? elBadge("__dynamic") : null}
            </div>
            <p className="mb-2 text-[11px] text-slate-500">{info.dynamicProperties.description}</p>
            {elOpen === "__dynamic" ? <ElHint functions={elFunctions} /> : null}
            {form.dynamic.map((d, i) => {
              const rowProblems = [...byProp(`dynamic.${d.key}`), ...(d.name.trim() ? byProp(d.name.trim()) : [])];
              return (
                <div key={d.key} className="mb-2">
                  <div className="flex gap-1">
                    <input
                      aria-label={`Dynamic property ${i + 1} name`}
                      placeholder="name"
                      value={d.name}
                      onChange={(e) => set("dynamic", form.dynamic.map((x) => (x.key === d.key ? { ...x, name: e.target.value } : x)))}
                      className={`${inputClass(rowProblems.length > 0)} w-2/5`}
                    />
                    <input
                      aria-label={`Dynamic property ${i + 1} value`}
                      type={d.sensitive ? "password" : "text"}
                      autoComplete={d.sensitive ? "new-password" : "off"}
                      placeholder={d.value === SENSITIVE_PLACEHOLDER ? "Sensitive value set (type to replace)" : "value"}
                      value={d.value === SENSITIVE_PLACEHOLDER ? "" : d.value}
                      onChange={(e) => set("dynamic", form.dynamic.map((x) => (x.key === d.key ? { ...x, value: e.target.value } : x)))}
                      className={`${inputClass(rowProblems.length > 0)} font-mono text-xs`}
                      spellCheck={false}
                    />
                    <label
                      className="flex items-center gap-0.5 text-[10px] text-slate-600"
                      // A stored secret cannot become plain text: its value never reaches the browser.
                      title={d.value === SENSITIVE_PLACEHOLDER ? "Type a new value to make it plain text" : "Encrypt at rest and never show this value"}
                    >
                      <input
                        type="checkbox"
                        aria-label={`Dynamic property ${i + 1} sensitive`}
                        checked={d.sensitive}
                        disabled={d.sensitive && d.value === SENSITIVE_PLACEHOLDER}
                        onChange={(e) => set("dynamic", form.dynamic.map((x) => (x.key === d.key ? { ...x, sensitive: e.target.checked } : x)))}
                      />
                      sensitive
                    </label>
                    <button
                      type="button"
                      aria-label={`Remove dynamic property ${d.name || i + 1}`}
                      onClick={() => set("dynamic", form.dynamic.filter((x) => x.key !== d.key))}
                      className="rounded border border-slate-300 px-2 text-sm text-slate-600 hover:bg-red-50 hover:text-red-700"
                    >
                      ×
                    </button>
                  </div>
                  {rowProblems.map((p, k) => (
                    <p key={k} role="alert" className="field-error mt-0.5 text-xs text-red-600">
                      {p.message}
                    </p>
                  ))}
                </div>
              );
            })}
            <button
              type="button"
              onClick={() => set("dynamic", [...form.dynamic, { key: nextKey.current++, name: "", value: "", sensitive: false }])}
              className="rounded border border-dashed border-slate-400 px-2 py-0.5 text-xs text-slate-700 hover:bg-slate-50"
            >
              + Add property
            </button>
          </div>
        ) : null}

        <h3 className="mt-5 mb-2 border-b border-slate-100 pb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">Scheduling</h3>
        <Field label="Scheduling strategy" htmlFor="cfg-strategy" problems={[]}>
          <select id="cfg-strategy" aria-label="Scheduling strategy" value={form.strategy} onChange={(e) => set("strategy", e.target.value as FormState["strategy"])} className={inputClass(false)}>
            <option value="timer">Timer driven</option>
            <option value="cron">CRON driven</option>
          </select>
        </Field>
        {form.strategy === "timer" ? (
          <Field label="Run schedule" htmlFor="cfg-runSchedule" hint={`How often to trigger; 0 sec = as fast as work exists. ${HINTS.duration}`} problems={byProp("scheduling.runSchedule")}>
            <input id="cfg-runSchedule" aria-label="Run schedule" value={form.runSchedule} onChange={(e) => set("runSchedule", e.target.value)} className={inputClass(byProp("scheduling.runSchedule").length > 0)} />
          </Field>
        ) : (
          <Field label="CRON expression" htmlFor="cfg-cron" hint="Five or six fields, e.g. 0 */5 * * * * (every 5 minutes)" problems={byProp("scheduling.cron")}>
            <input id="cfg-cron" aria-label="CRON expression" value={form.cron} onChange={(e) => set("cron", e.target.value)} className={inputClass(byProp("scheduling.cron").length > 0)} />
          </Field>
        )}
        <Field label="Execution" htmlFor="cfg-executionNode" hint="In a cluster: run on every node, or only on the primary node (for sources such as ListFile on a shared mount, CRON jobs, or a Total Count). A single node is its own primary." problems={byProp("scheduling.executionNode")}>
          <select id="cfg-executionNode" aria-label="Execution" value={form.executionNode} onChange={(e) => set("executionNode", e.target.value as FormState["executionNode"])} className={inputClass(false)}>
            <option value="all">All nodes</option>
            <option value="primary">Primary node</option>
          </select>
        </Field>
        <div className="grid grid-cols-2 gap-2">
          <Field label="Concurrent tasks" htmlFor="cfg-concurrentTasks" problems={byProp("scheduling.concurrentTasks")}>
            <input id="cfg-concurrentTasks" aria-label="Concurrent tasks" inputMode="numeric" value={form.concurrentTasks} onChange={(e) => set("concurrentTasks", e.target.value)} className={inputClass(byProp("scheduling.concurrentTasks").length > 0)} />
          </Field>
          <Field label="Batch size" htmlFor="cfg-batchSize" problems={byProp("scheduling.batchSize")}>
            <input id="cfg-batchSize" aria-label="Batch size" inputMode="numeric" value={form.batchSize} onChange={(e) => set("batchSize", e.target.value)} className={inputClass(byProp("scheduling.batchSize").length > 0)} />
          </Field>
          <Field label="Penalty duration" htmlFor="cfg-penalty" problems={byProp("scheduling.penaltyDuration")}>
            <input id="cfg-penalty" aria-label="Penalty duration" value={form.penaltyDuration} onChange={(e) => set("penaltyDuration", e.target.value)} className={inputClass(byProp("scheduling.penaltyDuration").length > 0)} />
          </Field>
          <Field label="Yield duration" htmlFor="cfg-yield" problems={byProp("scheduling.yieldDuration")}>
            <input id="cfg-yield" aria-label="Yield duration" value={form.yieldDuration} onChange={(e) => set("yieldDuration", e.target.value)} className={inputClass(byProp("scheduling.yieldDuration").length > 0)} />
          </Field>
        </div>

        <h3 className="mt-5 mb-2 border-b border-slate-100 pb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">Relationships</h3>
        <p className="mb-1 text-[11px] text-slate-500">Auto-terminate drops FlowFiles sent to a relationship (with a DROP event). Every relationship must be connected or auto-terminated.</p>
        <fieldset aria-label="Auto-terminate relationships">
          {rels.map((r) => {
            const desc = info?.relationships.find((x) => x.name === r);
            return (
              <label key={r} className="flex items-start gap-2 py-0.5 text-sm">
                <input
                  type="checkbox"
                  aria-label={`Auto-terminate ${r}`}
                  checked={!connected.includes(r) && (form.autoTerminate.includes(r) || desc?.autoTerminateByDefault === true)}
                  disabled={desc?.autoTerminateByDefault === true || connected.includes(r)}
                  onChange={(e) => set("autoTerminate", e.target.checked ? [...form.autoTerminate, r] : form.autoTerminate.filter((x) => x !== r))}
                  className="mt-1"
                />
                <span>
                  <span className="font-medium">{r}</span>
                  {connected.includes(r) ? <span className="ml-1 text-[11px] text-emerald-700">connected</span> : null}
                  {graph.some((g) => g.property === `relationships.${r}`) ? <span className="ml-1 text-[11px] text-amber-700">neither connected nor auto-terminated</span> : null}
                  {desc ? <span className="block text-[11px] text-slate-500">{desc.description}</span> : <span className="block text-[11px] text-slate-500">Dynamic relationship</span>}
                </span>
              </label>
            );
          })}
          {rels.length === 0 ? <p className="text-sm text-slate-500">No relationships.</p> : null}
        </fieldset>

        <h3 className="mt-5 mb-2 border-b border-slate-100 pb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">Comments</h3>
        <textarea aria-label="Comments" rows={2} value={form.comments} onChange={(e) => set("comments", e.target.value)} className={inputClass(false)} />
      </fieldset>
      {readOnly ? (
        <div className="flex items-center gap-2 border-t border-slate-200 px-4 py-3">
          <button type="button" onClick={onCancel} className="rounded-md border border-slate-300 px-4 py-1.5 text-sm hover:bg-slate-100">
            Close
          </button>
        </div>
      ) : (
        <div className="flex items-center gap-2 border-t border-slate-200 px-4 py-3">
          <button
            type="submit"
            disabled={blocking.length > 0 || pending}
            className="rounded-md bg-sky-600 px-4 py-1.5 text-sm font-medium text-white hover:bg-sky-700 disabled:cursor-not-allowed disabled:bg-slate-300"
          >
            Apply
          </button>
          <button type="button" onClick={onCancel} className="rounded-md border border-slate-300 px-4 py-1.5 text-sm hover:bg-slate-100">
            Cancel
          </button>
          <span data-testid="config-status" className={`ml-auto text-xs ${!pending && !blocking.length && !problems.length && graph.length ? "text-amber-700" : "text-slate-500"}`} aria-live="polite">
            {pending
              ? "Checking…"
              : blocking.length
                ? `${blocking.length} problem${blocking.length === 1 ? "" : "s"} to fix`
                : problems.length
                  ? "Missing required values"
                  : graph.length
                    ? `Invalid on the canvas: ${graph.map((g) => g.message).join("; ")}`
                    : "Valid"}
          </span>
        </div>
      )}
    </form>
  );
}
