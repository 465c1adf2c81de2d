import { describe, it, expect } from "vitest";
import { compile, ElEvaluationError, type ElValue } from "../../../engine/core/el/index";

// 2024-01-03T10:04:05.007Z, a Wednesday.
const MS = Date.UTC(2024, 0, 3, 10, 4, 5, 7);
const A = { ts: String(MS), day: "2024-07-14", stamp: "14/07/2024 23:59:58", word: "abc", empty: "" };

function ev(text: string): string {
  return compile(text).evaluate(A);
}

function val(text: string): ElValue {
  return compile(text).evaluateValue(A);
}

describe("format", () => {
  it("formats epoch millis with SimpleDateFormat letters in UTC by default", () => {
    expect(ev("${ts:format('yyyy-MM-dd HH:mm:ss.SSS')}")).toBe("2024-01-03 10:04:05.007");
    expect(ev("${ts:format('yy/M/d H:m:s S')}")).toBe("24/1/3 10:4:5 7");
    expect(ev("${ts:format('EEE EEEE MMM MMMM')}")).toBe("Wed Wednesday Jan January");
    expect(ev("${ts:format('hh:mm a K k')}")).toBe("10:04 AM 10 10");
    expect(ev("${ts:format('D u G')}")).toBe("3 3 AD");
    expect(ev("${ts:format('Z X XX XXX z zzzz')}")).toBe("+0000 Z Z Z UTC Coordinated Universal Time");
  });

  it("quotes literal text as Java does", () => {
    expect(ev("${ts:format(\"yyyy-MM-dd'T'HH:mm:ss'Z'\")}")).toBe("2024-01-03T10:04:05Z");
    expect(ev("${ts:format(\"h 'o''clock' ''\")}")).toBe("10 o'clock '");
    expect(ev("${ts:format('yyyy.MM.dd / HH-mm')}")).toBe("2024.01.03 / 10-04");
  });

  it("formats in a named or fixed-offset time zone", () => {
    expect(ev("${ts:format('yyyy-MM-dd HH:mm Z', 'America/New_York')}")).toBe("2024-01-03 05:04 -0500");
    expect(ev("${ts:format('HH:mm XXX', 'Asia/Kolkata')}")).toBe("15:34 +05:30");
    expect(ev("${ts:format('HH:mm X', 'Asia/Kolkata')}")).toBe("15:34 +05");
    expect(ev("${ts:format('HH:mm XX', '-08:00')}")).toBe("02:04 -0800");
    expect(ev("${ts:format('HH:mm z', 'GMT+2')}")).toBe("12:04 GMT+02:00");
    expect(ev("${ts:format('yyyy-MM-dd HH:mm z', 'America/Los_Angeles')}")).toBe("2024-01-03 02:04 PST");
    expect(ev("${literal(1720915200000):format('HH:mm Z', 'Europe/Paris')}")).toBe("02:00 +0200");
  });

  it("follows daylight saving transitions minute by minute, before and after cached days", () => {
    const c = compile("${t:format('yyyy-MM-dd HH:mm z', 'America/New_York')}");
    const at = (iso: string): string => c.evaluate({ t: String(Date.parse(iso)) });
    expect(at("2024-03-09T12:00:00Z")).toBe("2024-03-09 07:00 EST");
    expect(at("2024-03-10T06:59:00Z")).toBe("2024-03-10 01:59 EST");
    expect(at("2024-03-10T07:00:00Z")).toBe("2024-03-10 03:00 EDT");
    expect(at("2024-03-11T12:00:00Z")).toBe("2024-03-11 08:00 EDT");
    expect(at("2024-11-03T05:59:00Z")).toBe("2024-11-03 01:59 EDT");
    expect(at("2024-11-03T06:00:00Z")).toBe("2024-11-03 01:00 EST");
  });

  it("midnight and noon on the 12-hour clock", () => {
    const midnight = Date.UTC(2024, 0, 1, 0, 30);
    const noon = Date.UTC(2024, 0, 1, 12, 30);
    expect(compile("${t:format('h:mm a K k')}").evaluate({ t: String(midnight) })).toBe("12:30 AM 0 24");
    expect(compile("${t:format('h:mm a K k')}").evaluate({ t: String(noon) })).toBe("12:30 PM 0 12");
  });

  it("formats now()", () => {
    const before = Date.now();
    const year = Number(ev("${now():format('yyyy')}"));
    expect(year).toBe(new Date(before).getUTCFullYear());
    const millis = Number(ev("${now():toNumber()}"));
    expect(millis).toBeGreaterThanOrEqual(before);
    expect(millis).toBeLessThanOrEqual(Date.now());
  });

  it("takes the pattern and zone from attributes", () => {
    const c = compile("${ts:format(${p}, ${tz})}");
    expect(c.evaluate({ ts: String(MS), p: "HH:mm", tz: "UTC" })).toBe("10:04");
    expect(c.evaluate({ ts: String(MS), p: "HH:mm", tz: "Asia/Tokyo" })).toBe("19:04");
    expect(() => c.evaluate({ ts: String(MS), p: "HH:mm", tz: "Nowhere/City" })).toThrow(ElEvaluationError);
    expect(() => c.evaluate({ ts: String(MS), p: "qq", tz: "UTC" })).toThrow(/Illegal pattern character 'q'/);
  });

  // NiFi's DateCastEvaluator: empty text, like any text that is not a date, is an error.
  it("missing is empty; non-dates are evaluation errors", () => {
    expect(ev("[${missing:format('yyyy')}]")).toBe("[]");
    expect(() => ev("${empty:format('yyyy')}")).toThrow(ElEvaluationError);
    expect(() => ev("${word:format('yyyy')}")).toThrow(/Could not implicitly convert 'abc' to a date.*in 'format' at position 7/);
    expect(() => ev("${day:format('yyyy')}")).toThrow(ElEvaluationError);
  });
});

describe("toDate", () => {
  it("parses with a pattern, UTC by default", () => {
    const d = val("${day:toDate('yyyy-MM-dd')}");
    expect(d).toBeInstanceOf(Date);
    expect((d as Date).toISOString()).toBe("2024-07-14T00:00:00.000Z");
    expect(ev("${stamp:toDate('dd/MM/yyyy HH:mm:ss'):toNumber()}")).toBe(String(Date.UTC(2024, 6, 14, 23, 59, 58)));
  });

  it("round-trips with format and reformats", () => {
    expect(ev("${day:toDate('yyyy-MM-dd'):format('EEEE d MMMM yyyy')}")).toBe("Sunday 14 July 2024");
    expect(ev("${ts:format(\"yyyy-MM-dd'T'HH:mm:ss.SSSXXX\"):toDate(\"yyyy-MM-dd'T'HH:mm:ss.SSSXXX\"):toNumber()}")).toBe(String(MS));
  });

  it("parses in a zone, and an offset in the text wins", () => {
    expect(ev("${day:toDate('yyyy-MM-dd', 'America/New_York'):toNumber()}")).toBe(String(Date.UTC(2024, 6, 14, 4)));
    expect(ev("${literal('2024-07-14 10:00 +0200'):toDate('yyyy-MM-dd HH:mm Z', 'America/New_York'):format('HH:mm')}")).toBe("08:00");
    expect(ev("${literal('2024-07-14T10:00Z'):toDate(\"yyyy-MM-dd'T'HH:mmX\"):format('HH:mm')}")).toBe("10:00");
    expect(ev("${literal('Sun Jul 14 10:00:00 UTC 2024'):toDate('EEE MMM dd HH:mm:ss zzz yyyy'):format('yyyy-MM-dd')}")).toBe("2024-07-14");
  });

  it("handles daylight saving gaps and overlaps", () => {
    // 02:30 does not exist in New York on 2024-03-10: moved forward like Java's lenient calendar.
    expect(ev("${literal('2024-03-10 02:30'):toDate('yyyy-MM-dd HH:mm', 'America/New_York'):format('HH:mm XXX', 'America/New_York')}")).toBe("03:30 -04:00");
    // 01:30 happens twice on 2024-11-03: the earlier instant.
    expect(ev("${literal('2024-11-03 01:30'):toDate('yyyy-MM-dd HH:mm', 'America/New_York'):format('HH:mm XXX', 'America/New_York')}")).toBe("01:30 -04:00");
  });

  it("parses names, 12-hour clocks, compact and two-digit forms", () => {
    expect(ev("${literal('3 march 2024 7:05 PM'):toDate('d MMMM yyyy h:mm a'):format('yyyy-MM-dd HH:mm')}")).toBe("2024-03-03 19:05");
    expect(ev("${literal('12:00 AM'):toDate('hh:mm a'):format('HH:mm')}")).toBe("00:00");
    expect(ev("${literal('20240229235959'):toDate('yyyyMMddHHmmss'):format('yyyy-MM-dd HH:mm:ss')}")).toBe("2024-02-29 23:59:59");
    expect(ev("${literal('01/02/24'):toDate('MM/dd/yy'):format('yyyy-MM-dd')}")).toBe("2024-01-02");
    expect(ev("${literal('2024-060'):toDate('yyyy-DDD'):format('MM-dd')}")).toBe("02-29");
  });

  it("without a pattern, reads epoch millis", () => {
    expect(ev("${ts:toDate():format('yyyy-MM-dd')}")).toBe("2024-01-03");
    expect(() => ev("${day:toDate()}")).toThrow(ElEvaluationError);
  });

  it("rejects text that does not match or is out of range", () => {
    expect(() => ev("${word:toDate('yyyy-MM-dd')}")).toThrow(/Cannot parse 'abc' as a date with pattern 'yyyy-MM-dd' in 'toDate'/);
    expect(() => ev("${literal('2023-02-29'):toDate('yyyy-MM-dd')}")).toThrow(/day out of range/);
    expect(() => ev("${literal('2024-13-01'):toDate('yyyy-MM-dd')}")).toThrow(/month out of range/);
    expect(() => ev("${literal('2024-01-01 24:00'):toDate('yyyy-MM-dd HH:mm')}")).toThrow(/hour out of range/);
    expect(() => ev("${literal('2024-01-01 trailing'):toDate('yyyy-MM-dd')}")).toThrow(ElEvaluationError);
  });

  it("missing or empty stays empty", () => {
    expect(val("${missing:toDate('yyyy')}")).toBeNull();
    expect(val("${empty:toDate('yyyy')}")).toBeNull();
  });
});

describe("date values", () => {
  it("print like Java's Date.toString() in UTC", () => {
    expect(ev("${ts:toDate()}")).toBe("Wed Jan 03 10:04:05 UTC 2024");
  });

  it("convert to epoch millis for numbers and comparisons", () => {
    expect(val("${ts:toDate():toNumber()}")).toBe(MS);
    expect(val("${ts:toDate():gt(0)}")).toBe(true);
    expect(ev("${ts:toDate():plus(86400000):format('yyyy-MM-dd')}")).toBe("2024-01-04");
    expect(ev("${now():minus(${now():toNumber()}):lt(1000)}")).toBe("true");
  });
});
