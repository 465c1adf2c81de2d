/**
 * Headers for a download. Why a library: a FlowFile's `filename` is user data, and a header
 * value holding a character above U+00FF or a control character made `new Response` throw
 * (a 500). content-disposition writes RFC 6266 `filename*=UTF-8''…` (RFC 5987 encoding) with
 * an ASCII fallback `filename="…"` for old clients.
 */
import { create as contentDisposition } from "content-disposition";

/**
 * `Content-Disposition: attachment` for `fileName`: control characters and path separators
 * become "_" (no browser keeps them, and a name is not a path); an empty name becomes `fallback`.
 */
export function attachmentHeaders(fileName: string, fallback: string): Record<string, string> {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  const safe = fileName.replace(/[\u0000-\u001f\u007f-\u009f/\\]/g, "_").trim() || fallback;
  return {
    "Content-Type": "application/octet-stream",
    "Content-Disposition": contentDisposition(safe),
    "Cache-Control": "no-store",
  };
}
