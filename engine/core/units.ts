/**
 * NiFi-style durations ("30 sec", "500 millis", "5 mins") and data sizes ("1 GB", "64 KB").
 * Both parsers throw a `UnitParseError` whose message says what was expected.
 */

export class UnitParseError extends Error {
  override name = "UnitParseError";
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6, nano: 1e-6, nanos: 1e-6, nanosecond: 1e-6, nanoseconds: 1e-6,
  ms: 1, milli: 1, millis: 1, millisecond: 1, milliseconds: 1,
  s: 1000, sec: 1000, secs: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, mins: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hr: 3_600_000, hrs: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
  w: 604_800_000, wk: 604_800_000, wks: 604_800_000, week: 604_800_000, weeks: 604_800_000,
};

const SIZE_UNITS: Record<string, number> = {
  b: 1, byte: 1, bytes: 1,
  kb: 1024, k: 1024, kib: 1024,
  mb: 1024 ** 2, m: 1024 ** 2, mib: 1024 ** 2,
  gb: 1024 ** 3, g: 1024 ** 3, gib: 1024 ** 3,
  tb: 1024 ** 4, t: 1024 ** 4, tib: 1024 ** 4,
};

const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/;

/** Parses a duration to milliseconds. A bare number means milliseconds. */
export function parseDuration(text: string): number {
  const m = PATTERN.exec(text);
  if (!m) throw new UnitParseError(`"${text}" is not a duration; expected e.g. "30 sec", "500 ms", "5 min"`);
  const unit = (m[2] ?? "").toLowerCase() || "ms";
  const factor = DURATION_UNITS[unit];
  if (factor === undefined) throw new UnitParseError(`"${text}" has an unknown time unit "${m[2]}"; use ms, sec, min, hr or day`);
  return Number(m[1]) * factor;
}

/** Parses a data size to bytes. A bare number means bytes. */
export function parseDataSize(text: string): number {
  const m = PATTERN.exec(text);
  if (!m) throw new UnitParseError(`"${text}" is not a data size; expected e.g. "1 GB", "64 KB", "512 B"`);
  const unit = (m[2] ?? "").toLowerCase() || "b";
  const factor = SIZE_UNITS[unit];
  if (factor === undefined) throw new UnitParseError(`"${text}" has an unknown size unit "${m[2]}"; use B, KB, MB, GB or TB`);
  return Math.floor(Number(m[1]) * factor);
}

/** Formats bytes for people: "1.5 MB". */
export function formatDataSize(bytes: number): string {
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
