/**
 * Turns the bytes of a NiFi export into JSON: gunzips a `flow.json.gz`, parses the text, and
 * says plainly what the file is when it is not JSON (truncated, an XML template, a gzip of
 * something else). Throws NifiImportError; never returns a half-read document.
 */
import { gunzipSync } from "node:zlib";
import type { FlowProblem } from "../../api/flow-format";

/** A NiFi file that cannot be imported, with every problem found and where (JSON path in the file). */
export class NifiImportError extends Error {
  override name = "NifiImportError";
  constructor(
    /** What is wrong, in one line, without the problem list. */
    readonly summary: string,
    readonly problems: FlowProblem[] = [],
  ) {
    super(problems.length ? `${summary}:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join("\n")}` : summary);
  }
}

/** The largest file accepted, compressed or not, and the largest a gzip may expand to. */
export const MAX_NIFI_FILE_BYTES = 64 * 1024 * 1024;

/** Line and column (1-based) of a character offset, for JSON syntax errors. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

/**
 * Parses a NiFi export: gzip (detected by its magic bytes, whatever the file name) or plain
 * JSON text. `name` is the file name, used in messages only.
 */
export function readNifiFile(input: Uint8Array | string, name = "the file"): { json: unknown; gzip: boolean } {
  let text: string;
  let gzip = false;
  if (typeof input === "string") text = input;
  else {
    if (input.byteLength > MAX_NIFI_FILE_BYTES) throw new NifiImportError(`${name} is larger than ${MAX_NIFI_FILE_BYTES / 1024 / 1024} MB`);
    if (input.byteLength >= 2 && input[0] === 0x1f && input[1] === 0x8b) {
      gzip = true;
      let raw: Buffer;
      try {
        raw = gunzipSync(input, { maxOutputLength: MAX_NIFI_FILE_BYTES });
      } catch (e) {
        throw new NifiImportError(`${name} is a gzip file that does not decompress (${(e as Error).message}); a flow.json.gz from NiFi's conf directory is expected`);
      }
      text = raw.toString("utf8");
    } else text = Buffer.from(input).toString("utf8");
  }
  const trimmed = text.replace(/^\uFEFF/, "").trimStart();
  if (trimmed.length === 0) throw new NifiImportError(`${name}${gzip ? " (inside the gzip)" : ""} is empty`);
  if (trimmed.startsWith("<")) {
    throw new NifiImportError(
      `${name}${gzip ? " (inside the gzip)" : ""} is XML, not JSON: NiFi 1.x templates and flow.xml.gz are not supported; export the process group with "Download flow definition" (JSON) instead`,
    );
  }
  try {
    return { json: JSON.parse(trimmed), gzip };
  } catch (e) {
    const msg = (e as Error).message;
    const at = /position (\d+)/.exec(msg);
    const where = at ? (() => {
      const lc = lineColumn(trimmed, Number(at[1]));
      return ` at line ${lc.line}, column ${lc.column}`;
    })() : "";
    const truncated = /end of JSON input|Unterminated/i.test(msg) ? " (the file looks truncated)" : "";
    throw new NifiImportError(`${name}${gzip ? " (inside the gzip)" : ""} is not valid JSON${where}${truncated}: ${msg}`);
  }
}
