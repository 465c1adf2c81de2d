/** Display helpers for the provenance page: content previews (base64 → text, JSON, hex), times, type badges. */

export { decodeBase64, guessMode, hexDump, renderContent, type ContentMode } from "../../lib/content-preview";

/** Epoch millis → "2026-11-21 21:09:03.123" in the browser's time zone. */
export function formatEventTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** Tailwind classes of an event type badge: creation green, routing blue, changes amber, parent/child links violet, endings grey. */
export function typeBadge(type: string): string {
  switch (type) {
    case "CREATE":
    case "RECEIVE":
    case "FETCH":
      return "bg-emerald-100 text-emerald-800";
    case "ROUTE":
    case "SEND":
      return "bg-sky-100 text-sky-800";
    case "ATTRIBUTES_MODIFIED":
    case "CONTENT_MODIFIED":
      return "bg-amber-100 text-amber-800";
    case "FORK":
    case "CLONE":
    case "JOIN":
    case "REPLAY":
      return "bg-violet-100 text-violet-800";
    case "DROP":
    case "EXPIRE":
      return "bg-slate-200 text-slate-700";
    default:
      return "bg-slate-100 text-slate-700";
  }
}
