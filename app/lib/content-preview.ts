/**
 * Content previews shared by the queue viewer and the provenance page: base64 → bytes, a hex
 * dump, text/JSON/hex rendering and a guess of the best mode. Browser-safe (no Node APIs).
 */

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
