/** Display helpers for the provenance page: content previews (base64 → text, JSON, hex), times, type badges. */

/** Base64 → bytes. */
export function decodeBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A classic hex dump (offset, 16 bytes, ASCII) of the first `limit` bytes. */
export function hexDump(bytes: Uint8Array, limit = 4096): string {
  const lines: string[] = [];
  const n = Math.min(bytes.length, limit);
  for (let off = 0; off < n; off += 16) {
    const row = bytes.subarray(off, Math.min(off + 16, n));
    const hex = [...row].map((b) => b.toString(16).padStart(2, "0")).join(" ");
    const ascii = [...row].map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : ".")).join("");
    lines.push(`${off.toString(16).padStart(8, "0")}  ${hex.padEnd(47)}  ${ascii}`);
  }
  if (bytes.length > limit) lines.push(`… ${bytes.length - limit} more bytes`);
  return lines.join("\n");
}

/** What a preview shows in each mode. */
export type ContentMode = "text" | "json" | "hex";

/** The preview text of `bytes` in `mode` (JSON pretty-printed, or why it is not JSON). */
export function renderContent(bytes: Uint8Array, mode: ContentMode): string {
  if (mode === "hex") return hexDump(bytes);
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  if (mode === "text") return text;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch (e) {
    return `Not valid JSON (${(e as Error).message}).\n\n${text}`;
  }
}

/** The mode to open a preview in: JSON when it parses, hex when it is not UTF-8 text, else text. */
export function guessMode(bytes: Uint8Array): ContentMode {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return "hex";
  }
  const trimmed = text.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      JSON.parse(trimmed);
      return "json";
    } catch {
      // not JSON
    }
  }
  return "text";
}

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
