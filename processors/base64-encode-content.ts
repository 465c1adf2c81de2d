import { defineProcessor, property, relationship } from "../engine/sdk";
import { routeToFailure } from "./lib/failure-log";

const STANDARD = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_SAFE = /^[A-Za-z0-9_-]*={0,2}$/;

/** Strict Base64 decoding (standard or URL-safe alphabet, whitespace ignored); throws on bad input. */
export function decodeBase64(text: string): Buffer {
  const s = text.replace(/\s+/g, "");
  const padded = s.length % 4 === 0;
  if (STANDARD.test(s) && padded) return Buffer.from(s, "base64");
  if (URL_SAFE.test(s) && (padded || !s.includes("="))) {
    if (s.length % 4 === 1) throw new Error("truncated Base64 input");
    return Buffer.from(s, "base64url");
  }
  throw new Error("the content is not valid Base64");
}

export const Base64EncodeContent = defineProcessor({
  type: "Base64EncodeContent",
  summary: "Encodes the content to Base64 or decodes it from Base64.",
  description:
    "Encode writes standard Base64 (RFC 4648), on one line or wrapped at 76 characters (MIME style). Decode accepts the standard and the URL-safe alphabets and ignores whitespace and line breaks; anything else, or truncated input, goes to failure with `base64.error`, unchanged.",
  tags: ["base64", "encode", "decode", "content"],
  input: "required",
  properties: {
    mode: property.enum({ displayName: "Mode", description: "Encode or decode.", values: ["Encode", "Decode"], default: "Encode" }),
    lineOutputMode: property.enum({
      displayName: "Line Output Mode",
      description: "Encoding: one line, or lines of 76 characters separated by CRLF.",
      values: ["Single Line", "Multiple Lines"],
      default: "Single Line",
      dependsOn: { property: "mode", values: ["Encode"] },
    }),
  },
  relationships: {
    success: relationship("Encoded or decoded FlowFiles."),
    failure: relationship("Content that is not valid Base64 (Decode); `base64.error` says why."),
  },
  writesAttributes: { "base64.error": "On failure: the reason." },
  onTrigger({ session, config, context }) {
    for (const original of session.getBatch()) {
      let ff = original;
      if (config.mode === "Encode") {
        let text = session.read(ff).toString("base64");
        if (config.lineOutputMode === "Multiple Lines") text = text.replace(/.{76}(?=.)/g, "$&\r\n");
        ff = session.write(ff, text);
        session.transfer(ff, "success");
        continue;
      }
      try {
        ff = session.write(ff, decodeBase64(session.readText(ff)));
        session.transfer(ff, "success");
      } catch (e) {
        routeToFailure(session, context, ff, "base64.error", (e as Error).message);
      }
    }
  },
});
