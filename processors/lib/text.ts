/** Text helpers shared by the content processors: character sets and line splitting. */

/** Character sets a processor can decode and encode (Node's built-in encodings). */
export const CHARSETS = ["UTF-8", "ISO-8859-1", "US-ASCII", "UTF-16LE"] as const;
export type Charset = (typeof CHARSETS)[number];

const NODE_ENCODING: Record<Charset, BufferEncoding> = {
  "UTF-8": "utf8",
  "ISO-8859-1": "latin1",
  "US-ASCII": "ascii",
  "UTF-16LE": "utf16le",
};

export function decode(buf: Buffer, charset: Charset): string {
  return buf.toString(NODE_ENCODING[charset]);
}

export function encode(text: string, charset: Charset): Buffer {
  return Buffer.from(text, NODE_ENCODING[charset]);
}

/** One line of text and the line ending that followed it ("" for a last line without one). */
export interface Line {
  readonly text: string;
  readonly ending: string;
}

/** Splits text into lines, keeping each line's ending (\n, \r\n or \r) so it can be rebuilt. */
export function splitLines(text: string): Line[] {
  const out: Line[] = [];
  const re = /\r\n|\n|\r/g;
  let start = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    out.push({ text: text.slice(start, m.index), ending: m[0] });
    start = m.index + m[0].length;
  }
  if (start < text.length) out.push({ text: text.slice(start), ending: "" });
  return out;
}

/** Byte-level line splitting for SplitText: each entry is [start, end) including the ending. */
export function lineOffsets(buf: Buffer): Array<{ start: number; end: number; contentEnd: number }> {
  const out: Array<{ start: number; end: number; contentEnd: number }> = [];
  let start = 0;
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i];
    if (b === 0x0a) {
      out.push({ start, end: i + 1, contentEnd: i });
      start = i + 1;
    } else if (b === 0x0d) {
      if (buf[i + 1] === 0x0a) {
        out.push({ start, end: i + 2, contentEnd: i });
        i++;
      } else out.push({ start, end: i + 1, contentEnd: i });
      start = i + 1;
    }
  }
  if (start < buf.length) out.push({ start, end: buf.length, contentEnd: buf.length });
  return out;
}
