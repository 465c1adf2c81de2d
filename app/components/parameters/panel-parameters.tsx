"use client";
/**
 * `#{name}` support in the processor config panel: which parameters the processor may reference,
 * the problems of its references (named by parameter, as the canvas reports them after Apply),
 * and the properties to validate with references replaced by their values, so a reference in a
 * number or duration property is checked as the value it stands for.
 */
import { resolveProperties, type ParameterScope } from "../../../engine/api/parameters";
import type { ConfigProblem } from "../../lib/engine-client";
import type { PanelParameters } from "./use-parameter-contexts";

/** Stands in for a sensitive parameter's value, which never reaches the browser. */
const HIDDEN_VALUE = "********";

function scopeOf(p: PanelParameters): ParameterScope {
  return {
    contextName: p.contextName,
    parameters: new Map(p.parameters.map((x) => [x.name, { name: x.name, sensitive: x.sensitive, value: !x.hasValue ? undefined : x.sensitive ? HIDDEN_VALUE : (x.value ?? "") }])),
  };
}

/** Marks a problem as one of a parameter reference (they never block Apply: the processor is shown invalid). */
const PARAMETER_PROBLEM = / references (sensitive )?parameter "/;

export function isParameterProblem(p: ConfigProblem): boolean {
  return PARAMETER_PROBLEM.test(p.message);
}

/** `properties` with every resolvable reference replaced (sensitive values by a stand-in). */
export function resolveForValidation(properties: Record<string, string>, parameters: PanelParameters | null | undefined): Record<string, string> {
  if (!parameters) return properties;
  return resolveProperties(properties, scopeOf(parameters)).properties;
}

/** The problems of the references in `properties`; `sensitive`: the sensitive property names. */
export function parameterProblems(properties: Record<string, string>, parameters: PanelParameters | null | undefined, sensitive: ReadonlySet<string>): ConfigProblem[] {
  if (!parameters) return [];
  return resolveProperties(properties, scopeOf(parameters), sensitive).problems.map((p) => ({ property: p.property, message: p.message }));
}

/**
 * Adds `own` (parameter problems) to `problems`, in place, dropping the other problems of the
 * same properties: a property whose reference does not resolve was validated as written, and
 * "not a number" about `#{size}` would only hide the real reason.
 */
export function mergeParameterProblems(problems: ConfigProblem[], own: ConfigProblem[]): void {
  if (!own.length) return;
  const props = new Set(own.map((p) => p.property));
  for (let i = problems.length - 1; i >= 0; i--) if (props.has(problems[i]!.property)) problems.splice(i, 1);
  problems.push(...own);
}

/** The parameters a property may reference, under the Properties heading. */
export function ParameterHint({ parameters }: { parameters: PanelParameters | null | undefined }) {
  if (!parameters) return null;
  if (parameters.contextName === null) {
    return (
      <p className="mb-2 text-[11px] text-slate-500" data-testid="parameter-hint">
        No parameter context is bound to this processor&apos;s group or flow, so <code>#{"{name}"}</code> references cannot resolve.
      </p>
    );
  }
  return (
    <div className="mb-2 rounded-md border border-emerald-200 bg-emerald-50 p-2 text-[11px] text-emerald-900" data-testid="parameter-hint">
      Parameters of <span className="font-semibold">{parameters.contextName}</span>, referenced as <code>#{"{name}"}</code> (<code>##{"{"}</code> for a literal <code>#{"{"}</code>):{" "}
      {parameters.parameters.length === 0
        ? "none yet."
        : parameters.parameters.map((p, i) => (
            <span key={p.name}>
              {i ? ", " : ""}
              <code title={p.sensitive ? "sensitive: only in sensitive properties" : (p.value ?? "no value")}>#{`{${p.name}}`}</code>
              {p.sensitive ? " (sensitive)" : ""}
            </span>
          ))}
    </div>
  );
}
