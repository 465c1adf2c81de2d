import { promisify } from "node:util";
import zlib from "node:zlib";
import { defineProcessor, property, relationship, type FlowFile } from "../engine/sdk";
import { routeToFailure } from "./lib/failure-log";

type Format = "gzip" | "deflate" | "brotli";

const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);
const deflate = promisify(zlib.deflate);
const inflate = promisify(zlib.inflate);
const brotliCompress = promisify(zlib.brotliCompress);
const brotliDecompress = promisify(zlib.brotliDecompress);

const MIME: Record<Format, string> = { gzip: "application/gzip", deflate: "application/deflate", brotli: "application/x-brotli" };
const EXTENSION: Record<Format, string> = { gzip: ".gz", deflate: ".zlib", brotli: ".br" };
/** mime.type values recognised in "use mime.type attribute" mode. */
const BY_MIME: Record<string, Format> = {
  "application/gzip": "gzip",
  "application/x-gzip": "gzip",
  "application/deflate": "deflate",
  "application/zlib": "deflate",
  "application/x-deflate": "deflate",
  "application/x-brotli": "brotli",
  "application/brotli": "brotli",
};

export const CompressContent = defineProcessor({
  type: "CompressContent",
  summary: "Compresses or decompresses the content with gzip, deflate (zlib) or brotli.",
  description: [
    "Uses node:zlib (off the event loop). Compressing sets `mime.type` to the format's type (application/gzip, application/deflate, application/x-brotli); decompressing removes `mime.type`, since the original type is unknown. With Update Filename the format's extension (.gz, .zlib, .br) is added or removed.",
    "",
    "With **use mime.type attribute** the format is read from `mime.type` when decompressing (compressing needs an explicit format): a FlowFile without `mime.type` goes to failure, one whose type is not a known compression passes to success unchanged (as in NiFi). Content that is not valid compressed data, or that decompresses beyond Maximum Decompressed Size, goes to failure with `compresscontent.error`.",
  ].join("\n"),
  tags: ["compress", "decompress", "gzip", "deflate", "zlib", "brotli", "content"],
  input: "required",
  properties: {
    mode: property.enum({ displayName: "Mode", description: "Compress or decompress.", values: ["compress", "decompress"], default: "compress" }),
    format: property.enum({
      displayName: "Compression Format",
      description: "The format; `use mime.type attribute` reads it from mime.type (decompress only).",
      values: ["use mime.type attribute", "gzip", "deflate", "brotli"],
      default: "gzip",
    }),
    level: property.integer({
      displayName: "Compression Level",
      description: "0 (fastest) to 9 (smallest); brotli maps it to its 0-11 quality scale.",
      default: "1",
      min: 0,
      max: 9,
      dependsOn: { property: "mode", values: ["compress"] },
    }),
    updateFilename: property.boolean({ displayName: "Update Filename", description: "Add or remove the format's extension on filename.", default: "false" }),
    maxOutput: property.dataSize({
      displayName: "Maximum Decompressed Size",
      description: "Decompressing more than this fails the FlowFile (guards against decompression bombs).",
      default: "1 GB",
      dependsOn: { property: "mode", values: ["decompress"] },
    }),
  },
  relationships: {
    success: relationship("Compressed or decompressed FlowFiles (and, decompressing by mime.type, ones that are not compressed)."),
    failure: relationship("FlowFiles that could not be (de)compressed; `compresscontent.error` says why."),
  },
  readsAttributes: { "mime.type": "With use mime.type attribute: the compression format." },
  writesAttributes: { "mime.type": "Compress: the format's type; decompress: removed.", filename: "With Update Filename.", "compresscontent.error": "On failure: the reason." },
  validate(config) {
    if (config.mode === "compress" && config.format === "use mime.type attribute") {
      return [{ property: "format", message: "compressing needs an explicit Compression Format" }];
    }
    return [];
  },
  async onTrigger({ session, config, context }) {
    const compress = config.mode === "compress";
    for (const original of session.getBatch()) {
      let ff: FlowFile = original;
      let format: Format;
      if (config.format === "use mime.type attribute") {
        const mime = ff.attributes["mime.type"];
        if (mime === undefined) {
          routeToFailure(session, context, ff, "compresscontent.error", "no mime.type attribute to take the compression format from");
          continue;
        }
        const known = BY_MIME[mime.split(";")[0]!.trim().toLowerCase()];
        if (!known) {
          session.transfer(ff, "success");
          continue;
        }
        format = known;
      } else format = config.format;

      const input = session.read(ff);
      let output: Buffer;
      try {
        if (compress) {
          output =
            format === "gzip"
              ? await gzip(input, { level: config.level })
              : format === "deflate"
                ? await deflate(input, { level: config.level })
                : await brotliCompress(input, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: Math.round(((config.level ?? 1) * 11) / 9) } });
        } else {
          const opts = { maxOutputLength: config.maxOutput };
          output = format === "gzip" ? await gunzip(input, opts) : format === "deflate" ? await inflate(input, opts) : await brotliDecompress(input, opts);
        }
      } catch (e) {
        const msg = (e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE" ? `decompressed content exceeds ${config.maxOutput} bytes` : (e as Error).message;
        routeToFailure(session, context, ff, "compresscontent.error", `could not ${config.mode} as ${format}: ${msg}`);
        continue;
      }
      ff = session.write(ff, output);
      if (compress) ff = session.putAttribute(ff, "mime.type", MIME[format]);
      else ff = session.removeAttribute(ff, "mime.type");
      const name = ff.attributes.filename;
      if (config.updateFilename && name !== undefined) {
        const ext = EXTENSION[format];
        if (compress) ff = session.putAttribute(ff, "filename", name + ext);
        else if (name.toLowerCase().endsWith(ext)) ff = session.putAttribute(ff, "filename", name.slice(0, -ext.length));
      }
      session.transfer(ff, "success");
    }
  },
});
