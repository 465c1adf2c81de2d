/**
 * Flow names in the store are not unique keys, but two flows with one name cannot be told
 * apart in the list. An import whose name is taken gets the first free "Name (2)", "Name (3)"...
 * Pure, so the flow list (browser) and the import routes (server) agree.
 */

/** Longest flow name the flow format allows. */
const MAX_NAME = 200;

/** `name`, or `name (n)` with the smallest n ≥ 2 not in `taken` (compared case-insensitively, trimmed). */
export function uniqueFlowName(name: string, taken: Iterable<string>): string {
  const used = new Set([...taken].map((t) => t.trim().toLowerCase()));
  const base = name.trim();
  if (!used.has(base.toLowerCase())) return base;
  // "X (2)" imported again becomes "X (3)", not "X (2) (2)".
  const stem = base.replace(/ \((\d+)\)$/, "");
  for (let n = 2; ; n++) {
    const suffix = ` (${n})`;
    const candidate = stem.slice(0, MAX_NAME - suffix.length) + suffix;
    if (!used.has(candidate.toLowerCase())) return candidate;
  }
}
