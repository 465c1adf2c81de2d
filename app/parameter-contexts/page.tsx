import type { Metadata } from "next";
import { connection } from "next/server";
import { NoAccess } from "../components/auth/no-access";
import { pageUser } from "../components/auth/page-user";
import { can } from "../components/auth/permissions";
import { ParameterContextsView } from "../components/parameters/parameter-contexts-view";
import { listContexts } from "../lib/parameters";

export const metadata: Metadata = { title: "Parameter contexts" };

/**
 * The Parameter Contexts page (flows:read; editing needs flows:write): named sets of parameters
 * that flows and process groups bind and properties reference as `#{name}` (docs/parameters.md).
 * Sensitive values are never sent to the page.
 */
export default async function ParameterContextsPage() {
  await connection();
  const user = await pageUser("/parameter-contexts");
  if (!can(user.permissions, "flows:read")) return <NoAccess what="parameter contexts" permission="flows:read" />;
  return (
    <div className="mx-auto w-full max-w-7xl px-6 py-8">
      <h1 className="text-2xl font-semibold tracking-tight">Parameter contexts</h1>
      <p className="mt-1 max-w-3xl text-sm text-slate-600">
        Named sets of parameters. Bind one to a flow or a process group (the Parameters selector on the canvas); processor and controller service properties reference its parameters as <code>#{"{name}"}</code>. Saving a change updates the running flows that use it, restarting only the processors whose resolved properties changed.
      </p>
      <ParameterContextsView initial={await listContexts()} canWrite={can(user.permissions, "flows:write")} />
    </div>
  );
}
