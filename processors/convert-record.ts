import { defineProcessor, property, relationship } from "../engine/sdk";
import { readCsv, readJson, writeCsv, writeJson, type CsvFormat, type DataRecord } from "./lib/records";
import { routeToFailure } from "./lib/failure-log";

/** A single character, or empty where allowed; "\t" is accepted for a tab. */
function char(raw: string): string {
  return raw === "\\t" ? "\t" : raw;
}

export const ConvertRecord = defineProcessor({
  type: "ConvertRecord",
  summary: "Converts records between formats: CSV and JSON (array or newline-delimited).",
  description: [
    "Reads every record of the content with the Record Reader and writes them all with the Record Writer, setting `record.count` and `mime.type`. NiFi configures readers and writers as controller services; here the formats are properties of the processor.",
    "",
    "**CSV reading** (csv-parse): RFC 4180 quoting, the configured separator, quote and escape characters, an optional header line (otherwise fields are `column_1`, `column_2`, ...). With Infer Types, each column becomes a number or a boolean when all its non-empty values are, and empty values become null; numbers with leading zeros (`007`) stay text. Every record must have as many fields as the header.",
    "",
    "**JSON reading** accepts an array of objects, a single object, or newline-delimited objects (one per line).",
    "",
    "**CSV writing** (csv-stringify) uses the union of field names in order of first appearance as columns; nested objects and arrays are written as JSON text and nulls as empty fields. **JSON writing** produces an array (optionally pretty-printed) or one object per line.",
    "",
    "Malformed input (bad quoting, a wrong number of fields, invalid JSON, a JSON value that is not an object) goes to failure with `convertrecord.error`; nothing is thrown.",
  ].join("\n"),
  tags: ["record", "convert", "csv", "json", "ndjson", "format", "schema"],
  input: "required",
  properties: {
    recordReader: property.enum({
      displayName: "Record Reader",
      description: "Format of the incoming content.",
      values: [
        { value: "CSV", description: "Comma-separated (or other separator) values." },
        { value: "JSON", description: "A JSON array of objects, one object, or newline-delimited objects." },
      ],
      required: true,
    }),
    recordWriter: property.enum({
      displayName: "Record Writer",
      description: "Format of the outgoing content.",
      values: [
        { value: "JSON", description: "JSON (see JSON Output Grouping)." },
        { value: "CSV", description: "Comma-separated (or other separator) values." },
      ],
      required: true,
    }),
    valueSeparator: property.string({
      displayName: "CSV Value Separator",
      description: "Field separator for CSV reading and writing (\\t for a tab).",
      default: ",",
      pattern: /^(?:[^\r\n]|\\t)$/,
      patternHint: "must be one character (or \\t)",
    }),
    quoteCharacter: property.string({
      displayName: "CSV Quote Character",
      description: "Character that quotes CSV fields.",
      default: '"',
      pattern: /^[^\r\n]$/,
      patternHint: "must be one character",
    }),
    escapeCharacter: property.string({
      displayName: "CSV Escape Character",
      description: "Character that escapes a quote inside a quoted CSV field (RFC 4180 doubles the quote).",
      default: '"',
      pattern: /^[^\r\n]$/,
      patternHint: "must be one character",
    }),
    treatFirstLineAsHeader: property.boolean({
      displayName: "CSV Treat First Line as Header",
      description: "Reading CSV: the first line names the fields.",
      default: "true",
      dependsOn: { property: "recordReader", values: ["CSV"] },
    }),
    trimFields: property.boolean({
      displayName: "CSV Trim Fields",
      description: "Reading CSV: remove spaces around unquoted field values.",
      default: "true",
      dependsOn: { property: "recordReader", values: ["CSV"] },
    }),
    inferTypes: property.boolean({
      displayName: "Infer Types",
      description: "Reading CSV: turn all-numeric and all-boolean columns into numbers and booleans, and empty values into null.",
      default: "true",
      dependsOn: { property: "recordReader", values: ["CSV"] },
    }),
    includeHeaderLine: property.boolean({
      displayName: "CSV Include Header Line",
      description: "Writing CSV: write the field names as the first line.",
      default: "true",
      dependsOn: { property: "recordWriter", values: ["CSV"] },
    }),
    recordSeparator: property.enum({
      displayName: "CSV Record Separator",
      description: "Writing CSV: line ending after each record.",
      values: [
        { value: "LF", description: "\\n" },
        { value: "CRLF", description: "\\r\\n (RFC 4180)" },
      ],
      default: "LF",
      dependsOn: { property: "recordWriter", values: ["CSV"] },
    }),
    outputGrouping: property.enum({
      displayName: "JSON Output Grouping",
      description: "Writing JSON: one array, or one object per line.",
      values: [
        { value: "Array", description: "A JSON array of objects." },
        { value: "One Line Per Object", description: "Newline-delimited JSON." },
      ],
      default: "Array",
      dependsOn: { property: "recordWriter", values: ["JSON"] },
    }),
    prettyPrint: property.boolean({
      displayName: "JSON Pretty Print",
      description: "Writing a JSON array: indent it.",
      default: "false",
      dependsOn: { property: "recordWriter", values: ["JSON"] },
    }),
  },
  relationships: {
    success: relationship("Converted FlowFiles."),
    failure: relationship("FlowFiles whose content could not be read as records; `convertrecord.error` says why."),
  },
  writesAttributes: {
    "record.count": "Number of records converted.",
    "mime.type": "text/csv or application/json.",
    "convertrecord.error": "On failure: the reason.",
  },
  onTrigger({ session, config, context }) {
    const csv: CsvFormat = {
      delimiter: char(config.valueSeparator),
      quote: config.quoteCharacter,
      escape: config.escapeCharacter,
      header: config.treatFirstLineAsHeader ?? true,
      trim: config.trimFields ?? true,
      inferTypes: config.inferTypes ?? true,
      recordSeparator: config.recordSeparator === "CRLF" ? "\r\n" : "\n",
    };
    const writeFormat: CsvFormat = { ...csv, header: config.includeHeaderLine ?? true };
    for (const original of session.getBatch()) {
      let ff = original;
      let records: DataRecord[];
      try {
        const text = session.readText(ff);
        records = config.recordReader === "CSV" ? readCsv(text, csv) : readJson(text);
      } catch (e) {
        routeToFailure(session, context, ff, "convertrecord.error", (e as Error).message);
        continue;
      }
      const out =
        config.recordWriter === "CSV"
          ? writeCsv(records, writeFormat)
          : writeJson(records, config.outputGrouping === "One Line Per Object" ? "lines" : "array", config.prettyPrint ?? false);
      ff = session.write(ff, out);
      ff = session.putAllAttributes(ff, {
        "record.count": String(records.length),
        "mime.type": config.recordWriter === "CSV" ? "text/csv" : "application/json",
      });
      session.transfer(ff, "success");
    }
  },
});
