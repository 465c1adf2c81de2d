/** Naming, listing and tail recovery of provenance log files (`<dir>/provenance/<firstId>.log`). */
import fs from "node:fs";
import path from "node:path";
import { CorruptRecordError, MAX_RECORD_BYTES, RECORD_HEADER_BYTES, recordEventIds } from "./event-codec";

const LOG_FILE = /^(\d{1,20})\.log$/;

/** File name of the log whose first event id is `firstId`; zero-padded so names sort by id. */
export function logFileName(firstId: number): string {
  return `${String(firstId).padStart(16, "0")}.log`;
}

export function logFilePath(logDir: string, firstId: number): string {
  return path.join(logDir, logFileName(firstId));
}

/** First event ids of the log files in `logDir`, ascending. */
export function listLogFiles(logDir: string): number[] {
  const ids: number[] = [];
  for (const name of fs.readdirSync(logDir)) {
    const match = LOG_FILE.exec(name);
    if (match) ids.push(Number(match[1]));
  }
  return ids.sort((a, b) => a - b);
}

/**
 * Finds the end of the last complete, well-formed record of a log file and cuts anything after
 * it (a torn write from a crash). A record is accepted when its length is sane, it is wholly
 * present and its (first) event id follows the previous record's last one (the first is
 * `firstId`; a group's record holds several ids).
 * Returns the recovered size and the last id of the last good record (`firstId - 1` if none).
 */
export function recoverLogTail(file: string, firstId: number): { size: number; lastId: number } {
  const fd = fs.openSync(file, "r+");
  try {
    const fileSize = fs.fstatSync(fd).size;
    const chunk = Buffer.allocUnsafe(4 * 1024 * 1024);
    let good = 0;
    let expected = firstId;
    // Walk records chunk by chunk; `good` is the end of the last accepted record.
    walk: while (good + RECORD_HEADER_BYTES <= fileSize) {
      const base = good;
      const n = fs.readSync(fd, chunk, 0, Math.min(chunk.length, fileSize - base), base);
      let pos = 0;
      while (pos + RECORD_HEADER_BYTES <= n) {
        const length = chunk.readUInt32LE(pos);
        const end = pos + RECORD_HEADER_BYTES + length;
        if (length === 0 || length > MAX_RECORD_BYTES || base + end > fileSize) break walk;
        let ids: number;
        if (end > n) {
          if (pos > 0) break; // continue with a chunk that starts at this record
          // One record bigger than the chunk: check its id from a read of its own.
          const record = Buffer.allocUnsafe(length);
          fs.readSync(fd, record, 0, length, base + RECORD_HEADER_BYTES);
          ids = idsIfMatching(record, 0, length, expected);
        } else {
          ids = idsIfMatching(chunk, pos + RECORD_HEADER_BYTES, end, expected);
        }
        if (ids === 0) break walk;
        expected += ids;
        pos = end;
        good = base + end;
        if (end > n) break;
      }
      if (good === base) break;
    }
    if (good < fileSize) fs.ftruncateSync(fd, good);
    return { size: good, lastId: expected - 1 };
  } finally {
    fs.closeSync(fd);
  }
}

/** How many ids the record holds when its first is `expected`; 0 when it is not (or is garbage). */
function idsIfMatching(buf: Buffer, start: number, end: number, expected: number): number {
  try {
    const ids = recordEventIds(buf, start, end);
    return ids.first === expected ? ids.count : 0;
  } catch (error) {
    if (error instanceof CorruptRecordError) return 0;
    throw error;
  }
}
