/**
 * What the server does once at start (called by instrumentation.ts, Node.js runtime only):
 * starts the local node (a worker thread that owns the engine data dir and runs every flow; in
 * cluster mode, SLUICE_REDIS_URL, the cluster coordinator) and resumes the flows that were
 * deployed before the server stopped (their queues come back from the repositories and running
 * processors run).
 *
 * One owner per data dir: when another process (a `sluice run`, a node, a second app server)
 * holds it, the server exits with code 2 and one line naming the dir and the holder's pid.
 *
 * Before that, security (docs/security.md): the session key is read (or created) and an empty
 * user store gets its `admin` (SLUICE_ADMIN_PASSWORD, or a generated password printed once). A
 * session key that cannot be read stops the server with one line naming the file.
 */
export async function startServer(): Promise<void> {
  const { sessionPassword } = await import("./auth/session");
  const { ensureAdmin } = await import("./auth/users");
  try {
    sessionPassword();
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  }
  try {
    await ensureAdmin();
  } catch (e) {
    console.error(`sluice: could not create the first admin: ${e instanceof Error ? e.message.split("\n")[0] : String(e)} (run npm run setup)`);
    process.exit(1);
  }
  const { clusterMode, isNodeError, localNode, stopLocalNode } = await import("./engine-client");
  try {
    await localNode();
  } catch (e) {
    // A held data dir, or in cluster mode a missing/wrong cluster secret or an unreachable
    // Redis: one line, exit 2, as `sluice run` and `sluice node` do.
    if (isNodeError(e, "data-dir-locked") || clusterMode()) {
      console.error(`sluice: ${e instanceof Error ? e.message.replace(/^sluice: /, "") : String(e)}`);
      process.exit(2);
    }
    throw e;
  }
  // Stop flows cleanly (a checkpoint instead of WAL replay at the next start) on a normal stop.
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      void stopLocalNode().finally(() => process.exit(0));
    });
  }
  const { resumeAllFlows } = await import("./flow-service");
  const n = await resumeAllFlows();
  if (n > 0) console.log(`sluice: resumed ${n} flow${n === 1 ? "" : "s"}`);
}
