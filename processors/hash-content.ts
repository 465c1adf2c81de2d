import { createHash } from "node:crypto";
import { defineProcessor, property, relationship } from "../engine/sdk";
import { routeToFailure } from "./lib/failure-log";

const ALGORITHMS = { MD5: "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512", "SHA3-256": "sha3-256", "SHA3-512": "sha3-512" } as const;

export const HashContent = defineProcessor({
  type: "HashContent",
  summary: "Computes a cryptographic hash of the content into an attribute.",
  description:
    "Hashes the whole content with the chosen algorithm (node:crypto) and writes the lower-case hex digest to Hash Attribute Name (default `hash.value`, what DetectDuplicate reads by default). Empty content is hashed like any other unless Fail if Empty is set, in which case it goes to failure.",
  tags: ["hash", "checksum", "md5", "sha1", "sha256", "sha512", "dedupe", "content"],
  input: "required",
  properties: {
    algorithm: property.enum({ displayName: "Hash Algorithm", description: "Digest algorithm.", values: Object.keys(ALGORITHMS) as Array<keyof typeof ALGORITHMS>, default: "SHA-256" }),
    attributeName: property.string({
      displayName: "Hash Attribute Name",
      description: "Attribute that receives the hex digest.",
      default: "hash.value",
      pattern: /^\S+$/,
      patternHint: "must be an attribute name without spaces",
    }),
    failIfEmpty: property.boolean({ displayName: "Fail if Empty", description: "Route FlowFiles with empty content to failure.", default: "false" }),
  },
  relationships: {
    success: relationship("FlowFiles with the hash attribute."),
    failure: relationship("Empty content when Fail if Empty; `hashcontent.error` says why."),
  },
  writesAttributes: { "(Hash Attribute Name)": "Lower-case hex digest.", "hashcontent.algorithm": "The algorithm used.", "hashcontent.error": "On failure: the reason." },
  onTrigger({ session, config, context }) {
    const alg = ALGORITHMS[config.algorithm];
    for (const ff of session.getBatch()) {
      if (config.failIfEmpty && ff.size === 0) {
        routeToFailure(session, context, ff, "hashcontent.error", "the content is empty");
        continue;
      }
      const digest = createHash(alg).update(session.read(ff)).digest("hex");
      session.transfer(session.putAllAttributes(ff, { [config.attributeName]: digest, "hashcontent.algorithm": config.algorithm }), "success");
    }
  },
});
