/** Display formatting for the designer (counts, sizes, times). */

// One formatter for every count: `toLocaleString` builds a new one per call, which was the single
// most expensive function while a 300-processor canvas first rendered (bench/canvas-300.ts).
const countFormat = new Intl.NumberFormat("en-US");

/** 1234 → "1,234". */
export function formatCount(n: number): string {
  return countFormat.format(n);
}

/** Bytes for people: "0 B", "1.5 KB", "12 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** "3 s ago", "5 min ago" from an epoch-ms time. */
export function formatAge(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

/** Fill bar colour for a queue: green below 60 %, yellow below 90 %, red from 90 %. */
export function fillColor(fill: number): string {
  if (fill >= 0.9) return "bg-red-500";
  if (fill >= 0.6) return "bg-amber-400";
  return "bg-emerald-500";
}
