/**
 * Polls `probe` every 200 ms until it returns something other than undefined or false, and
 * resolves with that. Throws after `timeoutMs` with `what()` (called then, so it can describe
 * the last state seen) and the probe's last error. A probe that throws counts as "not yet".
 */
export async function until<T>(what: () => string, timeoutMs: number, probe: () => Promise<T | undefined | false> | T | undefined | false): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}${last ? ` (last error: ${String(last)})` : ""}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
