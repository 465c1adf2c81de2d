import { defineProcessor, property, relationship } from "../engine/sdk";
import { compileJavaRegex, regexProblem } from "./lib/regex";

export const UpdateAttribute = defineProcessor({
  type: "UpdateAttribute",
  summary: "Sets attributes from Expression Language and deletes attributes by regular expression.",
  description:
    "Every dynamic property sets the attribute of the same name to its evaluated value. All values are evaluated against the FlowFile as it arrived, so one property can't see another's result (as in NiFi). Deletion happens before the new values are set.",
  tags: ["attributes", "modification", "expression language", "update", "delete"],
  input: "required",
  properties: {
    deleteAttributes: property.string({
      displayName: "Delete Attributes Expression",
      description: "Regular expression; matching attribute names are removed (uuid is never removed).",
      pattern: /[\s\S]*/,
    }),
  },
  relationships: { success: relationship("All FlowFiles, updated.") },
  dynamicProperties: { description: "Attribute name → value (Expression Language)." },
  validate(config) {
    if (config.deleteAttributes === undefined) return [];
    const p = regexProblem(config.deleteAttributes, "full");
    return p ? [{ property: "deleteAttributes", message: p }] : [];
  },
  onScheduled({ config }) {
    return { deleteRe: config.deleteAttributes ? compileJavaRegex(config.deleteAttributes, "full") : null };
  },
  onTrigger({ session, context, state }) {
    const dyn = context.dynamicProperties;
    for (const original of session.getBatch()) {
      let ff = original;
      const updates: Record<string, string> = {};
      for (const d of dyn) updates[d.name] = d.evaluate(original);
      const deleteRe = state.deleteRe;
      if (deleteRe) {
        const doomed = Object.keys(ff.attributes).filter((k) => deleteRe.test(k));
        if (doomed.length) ff = session.removeAllAttributes(ff, doomed);
      }
      if (dyn.length) ff = session.putAllAttributes(ff, updates);
      session.transfer(ff, "success");
    }
  },
});
