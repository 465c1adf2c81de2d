/**
 * Next.js start-up hook: the embedded engine resumes the flows that were deployed before the
 * server stopped (their queues come back from the repositories and running processors run).
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { resumeAllFlows } = await import("./app/lib/flow-service");
  const n = await resumeAllFlows();
  if (n > 0) console.log(`sluice: resumed ${n} flow${n === 1 ? "" : "s"}`);
}
