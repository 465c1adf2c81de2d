/**
 * Next.js start-up hook. Everything it does lives in app/lib/startup.ts, imported only in the
 * Node.js runtime: Next also compiles this file for the Edge runtime, which has no
 * process.exit, worker threads or SQLite (importing them here printed build warnings).
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startServer } = await import("./app/lib/startup");
  await startServer();
}
