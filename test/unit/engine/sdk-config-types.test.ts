/**
 * ConfigOf says what resolveConfig really hands a processor. The type assertions are checked by
 * `tsc` (this file is part of the project); the runtime assertions pin the values they describe.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { property, resolveConfig, type ConfigOf, type PropertyExpression } from "../../../engine/sdk";

const props = {
  mode: property.enum({ displayName: "Mode", description: "d", values: ["a", "b"], default: "a" }),
  required: property.string({ displayName: "Required", description: "d", required: true }),
  defaulted: property.integer({ displayName: "Defaulted", description: "d", default: "7" }),
  optional: property.string({ displayName: "Optional", description: "d" }),
  expression: property.string({ displayName: "Expression", description: "d", default: "${x}", expressionLanguage: "flowfile" }),
  dependentDefaulted: property.duration({
    displayName: "Dependent defaulted",
    description: "d",
    default: "1 sec",
    dependsOn: { property: "mode", values: ["b"] },
  }),
  dependentRequired: property.sensitive({
    displayName: "Dependent required",
    description: "d",
    required: true,
    dependsOn: { property: "mode", values: ["b"] },
  }),
  dependentOptional: property.boolean({ displayName: "Dependent optional", description: "d", dependsOn: { property: "mode" } }),
};
type Config = ConfigOf<typeof props>;

describe("ConfigOf", () => {
  it("types a required property and a defaulted one without dependsOn as always present", () => {
    expectTypeOf<Config["required"]>().toEqualTypeOf<string>();
    expectTypeOf<Config["defaulted"]>().toEqualTypeOf<number>();
    expectTypeOf<Config["mode"]>().toEqualTypeOf<"a" | "b">();
    expectTypeOf<Config["expression"]>().toEqualTypeOf<PropertyExpression>();
    const { config, problems } = resolveConfig(props, { required: "r" });
    expect(problems).toEqual([]);
    expect(config.required).toBe("r");
    expect(config.defaulted).toBe(7);
    expect(config.mode).toBe("a");
    expect(config.expression.raw).toBe("${x}");
  });

  it("types an optional property without a default as possibly undefined", () => {
    expectTypeOf<Config["optional"]>().toEqualTypeOf<string | undefined>();
    expect(resolveConfig(props, { required: "r" }).config.optional).toBeUndefined();
  });

  it("types every dependsOn property as possibly undefined, defaulted or required alike", () => {
    expectTypeOf<Config["dependentDefaulted"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<Config["dependentRequired"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Config["dependentOptional"]>().toEqualTypeOf<boolean | undefined>();
    // Dependency unmet: left undefined although one has a default and one is required.
    const unmet = resolveConfig(props, { required: "r" });
    expect(unmet.problems).toEqual([]);
    expect(unmet.config.dependentDefaulted).toBeUndefined();
    expect(unmet.config.dependentRequired).toBeUndefined();
    // Dependency met: the default applies and the required one is reported when missing.
    const met = resolveConfig(props, { required: "r", mode: "b" });
    expect(met.config.dependentDefaulted).toBe(1000);
    expect(met.problems).toEqual([{ property: "dependentRequired", message: '"Dependent required" is required' }]);
  });

  it("keeps `required` true at run time for every property that always has a value", () => {
    expect(props.required.required).toBe(true);
    expect(props.defaulted.required).toBe(true);
    expect(props.dependentRequired.required).toBe(true);
    expect(props.optional.required).toBe(false);
    expect(props.dependentOptional.required).toBe(false);
  });
});
