/**
 * Record readers and writers for the record processors (ConvertRecord): CSV via csv-parse /
 * csv-stringify, JSON as an array, a single object or newline-delimited objects.
 *
 * A record is a flat-or-nested JSON object. Readers throw `RecordFormatError` for malformed
 * input; processors route that to failure.
 */
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";

/** A field value: JSON's value space. */
export type RecordValue = null | boolean | number | string | RecordValue[] | { [k: string]: RecordValue };
/** One record: field name → value, fields in input order. */
export type DataRecord = { [field: string]: RecordValue };

/** Input that cannot be read as records; the message says where. */
export class RecordFormatError extends Error {
  override name = "RecordFormatError";
}

/**
 * CSV dialect for reading and writing. `quote`/`escape` are single characters; `header` means
 * "the first line names the fields" when reading and "write a header line" when writing;
 * `trim` and `inferTypes` apply to reading, `recordSeparator` to writing.
 */
export interface CsvFormat {
  readonly delimiter: string;
  readonly quote: string;
  readonly escape: string;
  readonly header: boolean;
  readonly trim: boolean;
  readonly inferTypes: boolean;
  readonly recordSeparator: string;
}

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

type ColumnType = "boolean" | "number" | "string";

/**
 * Infers each column's type from all its non-empty values: boolean when all are true/false,
 * number when all are numbers (no leading zeros, so codes such as "007" stay text, and
 * integers within 2^53), else string. Empty values become null.
 */
function inferColumns(rows: readonly string[][]): ColumnType[] {
  const width = rows.reduce((n, r) => Math.max(n, r.length), 0);
  const types: ColumnType[] = [];
  for (let c = 0; c < width; c++) {
    let bool = true;
    let num = true;
    let any = false;
    for (const r of rows) {
      const v = r[c];
      if (v === undefined || v === "") continue;
      any = true;
      const lower = v.toLowerCase();
      if (lower !== "true" && lower !== "false") bool = false;
      if (!NUMBER.test(v) || (/^-?\d+$/.test(v) && !Number.isSafeInteger(Number(v)))) num = false;
      if (!bool && !num) break;
    }
    types.push(!any ? "string" : bool ? "boolean" : num ? "number" : "string");
  }
  return types;
}

/** Parses CSV text into records. */
export function readCsv(text: string, f: CsvFormat): DataRecord[] {
  let rows: string[][];
  try {
    rows = parse(text, {
      delimiter: f.delimiter,
      quote: f.quote || false,
      escape: f.escape || null,
      trim: f.trim,
      skip_empty_lines: true,
      bom: true,
    }) as string[][];
  } catch (e) {
    throw new RecordFormatError(`malformed CSV: ${(e as Error).message}`);
  }
  if (rows.length === 0) return [];
  let names: string[];
  if (f.header) {
    names = rows.shift() as string[];
    const seen = new Set<string>();
    names.forEach((n, i) => {
      if (n === "") throw new RecordFormatError(`header column ${i + 1} is empty`);
      if (seen.has(n)) throw new RecordFormatError(`header has duplicate column "${n}"`);
      seen.add(n);
    });
  } else {
    names = (rows[0] as string[]).map((_, i) => `column_${i + 1}`);
  }
  rows.forEach((r, i) => {
    if (r.length !== names.length) {
      throw new RecordFormatError(`record ${i + 1} has ${r.length} fields but the header has ${names.length}`);
    }
  });
  const types = f.inferTypes ? inferColumns(rows) : null;
  return rows.map((r) => {
    const rec: DataRecord = {};
    names.forEach((n, c) => {
      const v = r[c] as string;
      if (!types) rec[n] = v;
      else if (v === "") rec[n] = null;
      else if (types[c] === "number") rec[n] = Number(v);
      else if (types[c] === "boolean") rec[n] = v.toLowerCase() === "true";
      else rec[n] = v;
    });
    return rec;
  });
}

function asRecord(v: unknown, where: string): DataRecord {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new RecordFormatError(`${where} is not a JSON object`);
  return v as DataRecord;
}

/** Parses JSON records: an array of objects, one object, or one object per line. */
export function readJson(text: string): DataRecord[] {
  const trimmed = text.trim();
  if (trimmed === "") return [];
  let whole: unknown;
  let wholeError: Error | null = null;
  try {
    whole = JSON.parse(trimmed);
  } catch (e) {
    wholeError = e as Error;
  }
  if (wholeError === null) {
    if (Array.isArray(whole)) return whole.map((v, i) => asRecord(v, `array element ${i}`));
    return [asRecord(whole, "the content")];
  }
  // Newline-delimited JSON: every non-blank line is an object.
  const lines = trimmed.split(/\r?\n/);
  if (lines.length < 2) throw new RecordFormatError(`malformed JSON: ${wholeError.message}`);
  const out: DataRecord[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new RecordFormatError(`malformed JSON on line ${i + 1}: ${(e as Error).message}`);
    }
    out.push(asRecord(v, `line ${i + 1}`));
  });
  return out;
}

/** Field names in order of first appearance across records. */
export function fieldNames(records: readonly DataRecord[]): string[] {
  const seen = new Set<string>();
  for (const r of records) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

function cell(v: RecordValue | undefined): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** Writes records as CSV; nested values are written as JSON text. */
export function writeCsv(records: readonly DataRecord[], f: CsvFormat): string {
  const names = fieldNames(records);
  const rows = records.map((r) => names.map((n) => cell(r[n])));
  if (f.header && names.length) rows.unshift(names);
  if (rows.length === 0) return "";
  return stringify(rows, {
    delimiter: f.delimiter,
    quote: f.quote || '"',
    escape: f.escape || '"',
    record_delimiter: f.recordSeparator,
  });
}

/** Writes records as a JSON array or as one object per line. */
export function writeJson(records: readonly DataRecord[], grouping: "array" | "lines", pretty: boolean): string {
  if (grouping === "lines") return records.map((r) => JSON.stringify(r)).join("\n");
  return JSON.stringify(records, null, pretty ? 2 : undefined);
}
