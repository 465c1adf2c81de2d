/**
 * Writes `s` into `buf` from `at`, one byte per character, when every character is ASCII, and
 * returns the position after it; at the first other character it stops and returns -1 (the
 * bytes written up to there are left for the caller to overwrite). The caller makes sure the
 * buffer has room (a store past a typed array's end is ignored). Why: for short strings (uuids,
 * attribute names, most values) this loop costs several times less than Buffer#write's native
 * call, and checking and writing in one pass halves the work of checking first; the WAL, the
 * provenance log and the batch codec all write such strings.
 */
export function writeAscii(buf: Uint8Array, at: number, s: string): number {
  let p = at;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return -1;
    buf[p++] = c;
  }
  return p;
}
