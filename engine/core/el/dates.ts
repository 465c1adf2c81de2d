/**
 * Date formatting and parsing with Java SimpleDateFormat-style patterns, and time zones.
 *
 * Only what the Expression Language needs: `format`, `toDate` and the text form of a date.
 * Patterns are compiled once (tokens plus, lazily, a parse regex) so a literal pattern costs
 * nothing per FlowFile. Zones are UTC, fixed offsets ("+05:30", "GMT-8") or IANA ids
 * ("Europe/Paris", through Intl). Errors are plain `DateError`s; the caller turns them into
 * syntax or evaluation errors with a position.
 */

/** A pattern, zone or value that does not work; the message is shown to the user. */
export class DateError extends Error {}

/** A time zone as the formatter needs it. */
export interface Zone {
  readonly id: string;
  /** Offset from UTC in minutes at the given instant (east positive). */
  offsetMinutes(epochMs: number): number;
  /** Display name at the given instant: short ("UTC", "EST") or long. */
  displayName(epochMs: number, long: boolean): string;
}

const DAY = 86400000;
const SHORT_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const LONG_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const SHORT_DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const LONG_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

function fixedZone(id: string, minutes: number, shortName: string, longName: string): Zone {
  return {
    id,
    offsetMinutes: () => minutes,
    displayName: (_ms, long) => (long ? longName : shortName),
  };
}

/** UTC: the default zone everywhere in the Expression Language. */
export const UTC: Zone = fixedZone("UTC", 0, "UTC", "Coordinated Universal Time");

function offsetText(minutes: number, colon: boolean): string {
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return sign + pad(Math.floor(abs / 60), 2) + (colon ? ":" : "") + pad(abs % 60, 2);
}

function intlZone(id: string): Zone | undefined {
  let numeric: Intl.DateTimeFormat;
  try {
    numeric = new Intl.DateTimeFormat("en-US", {
      timeZone: id,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      era: "short",
    });
  } catch {
    return undefined;
  }
  const names = new Map<string, Intl.DateTimeFormat>();
  const nameFormat = (long: boolean): Intl.DateTimeFormat => {
    const key = long ? "long" : "short";
    let f = names.get(key);
    if (f === undefined) {
      f = new Intl.DateTimeFormat("en-US", { timeZone: id, timeZoneName: key });
      names.set(key, f);
    }
    return f;
  };
  const exactOffset = (epochMs: number): number => {
    const seconds = Math.floor(epochMs / 1000) * 1000;
    let year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    let bc = false;
    for (const part of numeric.formatToParts(new Date(seconds))) {
      const n = Number(part.value);
      switch (part.type) {
        case "year": year = n; break;
        case "month": month = n; break;
        case "day": day = n; break;
        case "hour": hour = n; break;
        case "minute": minute = n; break;
        case "second": second = n; break;
        case "era": bc = part.value.startsWith("B"); break;
      }
    }
    const local = utcMillis(bc ? 1 - year : year, month, day, hour, minute, second, 0);
    return Math.round((local - seconds) / 60000);
  };
  // Intl is slow (microseconds per call), and this runs per FlowFile. Offsets change at most
  // once in any day, so a UTC day whose first and last millisecond share an offset has that
  // offset throughout and can be cached; a transition day is computed exactly every time.
  const days = new Map<number, number>();
  const shownNames = new Map<string, string>();
  const offsetMinutes = (epochMs: number): number => {
    const day = Math.floor(epochMs / DAY);
    const cached = days.get(day);
    if (cached !== undefined) return cached;
    const first = exactOffset(day * DAY);
    if (first !== exactOffset(day * DAY + DAY - 1)) return exactOffset(epochMs);
    if (days.size >= 4096) days.clear();
    days.set(day, first);
    return first;
  };
  return {
    id: numeric.resolvedOptions().timeZone,
    offsetMinutes,
    displayName(epochMs, long) {
      // The name depends only on whether daylight time applies, which the offset tells.
      const key = `${long ? "L" : "S"}${offsetMinutes(epochMs)}`;
      let name = shownNames.get(key);
      if (name === undefined) {
        const part = nameFormat(long).formatToParts(new Date(epochMs)).find((p) => p.type === "timeZoneName");
        name = part?.value ?? id;
        shownNames.set(key, name);
      }
      return name;
    },
  };
}

const FIXED_OFFSET = /^(?:GMT|UTC)?([+-])(\d{1,2})(?::?(\d{2}))?$/i;
const zoneCache = new Map<string, Zone>();

/**
 * Resolves a zone id: "UTC", "GMT", "Z", a fixed offset ("+05:30", "-0800", "GMT+5") or an
 * IANA id ("America/New_York"). Returns undefined for an unknown id.
 */
export function resolveZone(id: string): Zone | undefined {
  const cached = zoneCache.get(id);
  if (cached !== undefined) return cached;
  let zone: Zone | undefined;
  const upper = id.toUpperCase();
  if (upper === "UTC" || upper === "Z" || upper === "ETC/UTC") {
    zone = UTC;
  } else if (upper === "GMT") {
    zone = fixedZone("GMT", 0, "GMT", "Greenwich Mean Time");
  } else {
    const m = FIXED_OFFSET.exec(id);
    if (m !== null) {
      const minutes = (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? "0"));
      if (Math.abs(minutes) <= 18 * 60) {
        const name = "GMT" + offsetText(minutes, true);
        zone = fixedZone(name, minutes, name, name);
      }
    } else {
      zone = intlZone(id);
    }
  }
  if (zone !== undefined) {
    // Ids come from flow definitions, so the set is small; the bound only guards against
    // an expression that builds zone ids from attribute values.
    if (zoneCache.size > 256) zoneCache.clear();
    zoneCache.set(id, zone);
  }
  return zone;
}

type Token =
  | { readonly kind: "literal"; readonly text: string }
  | { readonly kind: "field"; readonly letter: string; readonly count: number };

/** A compiled date pattern. Build with `compileDatePattern`. */
export interface DatePattern {
  readonly source: string;
  readonly tokens: readonly Token[];
}

interface ParsePlan {
  readonly regex: RegExp;
  readonly fields: readonly { readonly letter: string; readonly count: number }[];
}

const PATTERN_LETTERS = "GyYMLdDEuaHkKhmsSzZX";
const patternCache = new Map<string, DatePattern>();
const planCache = new WeakMap<DatePattern, ParsePlan>();

/**
 * Compiles a SimpleDateFormat-style pattern. Supported letters: G y Y M L d D E u a H k K h m
 * s S z Z X; text in single quotes is literal and `''` is a quote. Other ASCII letters are
 * rejected, as Java does. Throws DateError.
 */
export function compileDatePattern(source: string): DatePattern {
  const cached = patternCache.get(source);
  if (cached !== undefined) return cached;
  const tokens: Token[] = [];
  let literal = "";
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === "'") {
      if (source[i + 1] === "'") {
        literal += "'";
        i += 2;
        continue;
      }
      let j = i + 1;
      for (;;) {
        if (j >= source.length) throw new DateError(`Unterminated quote in date pattern '${source}'`);
        if (source[j] === "'") {
          if (source[j + 1] === "'") {
            literal += "'";
            j += 2;
            continue;
          }
          break;
        }
        literal += source[j];
        j++;
      }
      i = j + 1;
    } else if ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z")) {
      if (!PATTERN_LETTERS.includes(c)) throw new DateError(`Illegal pattern character '${c}' in date pattern '${source}'`);
      let j = i + 1;
      while (source[j] === c) j++;
      if (literal !== "") tokens.push({ kind: "literal", text: literal });
      literal = "";
      tokens.push({ kind: "field", letter: c, count: j - i });
      i = j;
    } else {
      literal += c;
      i++;
    }
  }
  if (literal !== "") tokens.push({ kind: "literal", text: literal });
  const pattern: DatePattern = { source, tokens };
  if (patternCache.size > 256) patternCache.clear();
  patternCache.set(source, pattern);
  return pattern;
}

function pad(n: number, width: number): string {
  const s = String(Math.abs(n));
  const padded = s.length >= width ? s : "0".repeat(width - s.length) + s;
  return n < 0 ? "-" + padded : padded;
}

/** Formats an instant (epoch millis) with a compiled pattern in a zone. */
export function formatDate(epochMs: number, pattern: DatePattern, zone: Zone): string {
  if (!Number.isFinite(epochMs)) throw new DateError("Invalid date");
  const offset = zone.offsetMinutes(epochMs);
  // Shift by the zone offset and read the UTC fields: that is the wall-clock time in the zone.
  const d = new Date(epochMs + offset * 60000);
  let out = "";
  for (const t of pattern.tokens) {
    if (t.kind === "literal") {
      out += t.text;
      continue;
    }
    const n = t.count;
    switch (t.letter) {
      case "G": out += d.getUTCFullYear() > 0 ? "AD" : "BC"; break;
      case "y":
      case "Y": {
        const y = d.getUTCFullYear();
        out += n === 2 ? pad(((y % 100) + 100) % 100, 2) : pad(y, n);
        break;
      }
      case "M":
      case "L": {
        const m = d.getUTCMonth();
        out += n >= 4 ? LONG_MONTHS[m] : n === 3 ? SHORT_MONTHS[m] : pad(m + 1, n);
        break;
      }
      case "d": out += pad(d.getUTCDate(), n); break;
      case "D": {
        const start = Date.UTC(d.getUTCFullYear(), 0, 1);
        const dayOfYear = Math.floor((d.getTime() - start) / 86400000) + 1;
        out += pad(dayOfYear, n);
        break;
      }
      case "E": out += n >= 4 ? LONG_DAYS[d.getUTCDay()] : SHORT_DAYS[d.getUTCDay()]; break;
      case "u": out += pad(d.getUTCDay() === 0 ? 7 : d.getUTCDay(), n); break;
      case "a": out += d.getUTCHours() < 12 ? "AM" : "PM"; break;
      case "H": out += pad(d.getUTCHours(), n); break;
      case "k": out += pad(d.getUTCHours() === 0 ? 24 : d.getUTCHours(), n); break;
      case "K": out += pad(d.getUTCHours() % 12, n); break;
      case "h": out += pad(d.getUTCHours() % 12 === 0 ? 12 : d.getUTCHours() % 12, n); break;
      case "m": out += pad(d.getUTCMinutes(), n); break;
      case "s": out += pad(d.getUTCSeconds(), n); break;
      case "S": out += pad(d.getUTCMilliseconds(), n); break;
      case "z": out += zone.displayName(epochMs, n >= 4); break;
      case "Z": out += offsetText(offset, false); break;
      case "X":
        if (offset === 0) out += "Z";
        else if (n === 1) out += offsetText(offset, false).slice(0, 3);
        else out += offsetText(offset, n >= 3);
        break;
    }
  }
  return out;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}

function isNumericField(t: Token): boolean {
  if (t.kind !== "field") return false;
  if (t.letter === "M" || t.letter === "L") return t.count < 3;
  return "yYdDuHkKhmsS".includes(t.letter);
}

function parsePlan(pattern: DatePattern): ParsePlan {
  const cached = planCache.get(pattern);
  if (cached !== undefined) return cached;
  let source = "^";
  const fields: { letter: string; count: number }[] = [];
  const tokens = pattern.tokens;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === "literal") {
      source += escapeRegex(t.text);
      continue;
    }
    fields.push({ letter: t.letter, count: t.count });
    if (isNumericField(t)) {
      // Adjacent numeric fields ("yyyyMMdd") can only be split by width, as in Java.
      const next = tokens[i + 1];
      source += next !== undefined && isNumericField(next) ? `(\\d{${t.count}})` : "(\\d+)";
      continue;
    }
    switch (t.letter) {
      case "M":
      case "L": source += `(${[...LONG_MONTHS, ...SHORT_MONTHS].join("|")})`; break;
      case "E": source += `(${[...LONG_DAYS, ...SHORT_DAYS].join("|")})`; break;
      case "a": source += "(AM|PM)"; break;
      case "G": source += "(AD|BC)"; break;
      case "Z": source += "(Z|[+-]\\d{2}:?\\d{2})"; break;
      case "X": source += "(Z|[+-]\\d{2}(?::?\\d{2})?)"; break;
      case "z": source += "(UTC|GMT(?:[+-]\\d{1,2}(?::?\\d{2})?)?|Z)"; break;
    }
  }
  const plan: ParsePlan = { regex: new RegExp(source + "$", "i"), fields };
  planCache.set(pattern, plan);
  return plan;
}

function parseOffset(text: string): number {
  const upper = text.toUpperCase();
  if (upper === "Z" || upper === "UTC" || upper === "GMT") return 0;
  const m = /^(?:GMT)?([+-])(\d{1,2}):?(\d{2})?$/i.exec(text);
  if (m === null) throw new DateError(`Unrecognized time zone offset '${text}'`);
  return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? "0"));
}

function nameIndex(names: readonly string[], text: string): number {
  const lower = text.toLowerCase();
  return names.findIndex((n) => n.toLowerCase() === lower);
}

/** Epoch millis of a wall-clock time read as UTC; handles years 0-99 (Date.UTC maps them to 19xx). */
function utcMillis(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, ms);
  return d.getTime();
}

function daysInMonth(year: number, month: number): number {
  return new Date(utcMillis(year, month + 1, 0, 0, 0, 0, 0)).getUTCDate();
}

/**
 * Parses text with a compiled pattern. The whole text must match (stricter than Java, which
 * ignores trailing text), and fields must be in range (Java's lenient roll-over is off).
 * An offset in the text (Z, X, z) wins over `zone`. Returns epoch millis; throws DateError.
 */
export function parseDate(text: string, pattern: DatePattern, zone: Zone, nowMs: number = Date.now()): number {
  const plan = parsePlan(pattern);
  const m = plan.regex.exec(text);
  const fail = (why: string): DateError => new DateError(`Cannot parse '${text}' as a date with pattern '${pattern.source}'${why}`);
  if (m === null) throw fail("");
  let year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, ms = 0;
  let dayOfYear: number | undefined;
  let pm: boolean | undefined;
  let hour12: number | undefined;
  let offset: number | undefined;
  let bc = false;
  let sawMonthOrDay = false;
  for (let i = 0; i < plan.fields.length; i++) {
    const { letter, count } = plan.fields[i];
    const raw = m[i + 1];
    const n = Number(raw);
    switch (letter) {
      case "y":
      case "Y":
        if (count <= 2 && raw.length === 2) {
          // Java's two-digit year rule: the century that puts the year within 80 years
          // before and 20 years after now.
          const nowYear = new Date(nowMs).getUTCFullYear();
          const lowest = nowYear - 80;
          year = Math.floor(lowest / 100) * 100 + n;
          if (year < lowest) year += 100;
        } else {
          year = n;
        }
        break;
      case "M":
      case "L":
        sawMonthOrDay = true;
        if (count >= 3) {
          const long = nameIndex(LONG_MONTHS, raw);
          month = (long >= 0 ? long : nameIndex(SHORT_MONTHS, raw)) + 1;
        } else {
          month = n;
        }
        break;
      case "d": sawMonthOrDay = true; day = n; break;
      case "D": dayOfYear = n; break;
      case "H": hour = n; if (n > 23) throw fail(": hour out of range"); break;
      case "k": hour = n === 24 ? 0 : n; if (n < 1 || n > 24) throw fail(": hour out of range"); break;
      case "K": hour12 = n; if (n > 11) throw fail(": hour out of range"); break;
      case "h": hour12 = n === 12 ? 0 : n; if (n < 1 || n > 12) throw fail(": hour out of range"); break;
      case "m": minute = n; if (n > 59) throw fail(": minute out of range"); break;
      case "s": second = n; if (n > 59) throw fail(": second out of range"); break;
      case "S": ms = n; if (n > 999) throw fail(": milliseconds out of range"); break;
      case "a": pm = raw.toUpperCase() === "PM"; break;
      case "G": bc = raw.toUpperCase() === "BC"; break;
      case "Z":
      case "X":
      case "z": offset = parseOffset(raw); break;
      // E (day name) and u (day number) are checked by the regex and otherwise ignored, as in Java.
    }
  }
  if (bc) year = 1 - year;
  if (month < 1 || month > 12) throw fail(": month out of range");
  if (dayOfYear !== undefined && !sawMonthOrDay) {
    const start = utcMillis(year, 1, 1, 0, 0, 0, 0);
    const d = new Date(start + (dayOfYear - 1) * 86400000);
    if (dayOfYear < 1 || d.getUTCFullYear() !== year) throw fail(": day of year out of range");
    month = d.getUTCMonth() + 1;
    day = d.getUTCDate();
  }
  if (day < 1 || day > daysInMonth(year, month)) throw fail(": day out of range");
  if (hour12 !== undefined) hour = hour12 + (pm === true ? 12 : 0);
  else if (pm === true && hour < 12) hour += 12;
  const local = utcMillis(year, month, day, hour, minute, second, ms);
  if (offset !== undefined) return local - offset * 60000;
  return wallClockToInstant(local, zone);
}

/**
 * The instant at which a zone's clocks show `local` (wall-clock millis read as UTC). In an
 * overlap (clocks set back) the earlier instant wins; in a gap (clocks set forward) the time
 * is moved forward by the gap, as Java's lenient calendar does (02:30 becomes 03:30).
 */
function wallClockToInstant(local: number, zone: Zone): number {
  const o1 = zone.offsetMinutes(local);
  const t1 = local - o1 * 60000;
  const o2 = zone.offsetMinutes(t1);
  if (o2 === o1) return t1;
  const t2 = local - o2 * 60000;
  if (zone.offsetMinutes(t2) === o2) return t2;
  return local - Math.min(o1, o2) * 60000;
}

const DATE_TEXT = "EEE MMM dd HH:mm:ss zzz yyyy";

/** The text form of a date value: Java's Date.toString() layout, in UTC. */
export function dateToText(d: Date): string {
  const ms = d.getTime();
  if (!Number.isFinite(ms)) return "Invalid Date";
  return formatDate(ms, compileDatePattern(DATE_TEXT), UTC);
}
