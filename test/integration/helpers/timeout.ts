/**
 * Resolves with `promise`, or rejects after `ms` with an error naming `label`.
 * For shutdown calls that can hang (BullMQ's worker.close() waits for active jobs with no limit).
 * The timer is cleared either way, so it never keeps the process alive.
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
