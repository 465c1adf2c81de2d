// Parameter references (engine/api/parameters.ts): #{name} resolution, NiFi's ## escapes, missing
// and sensitive parameters, bindings up the group chain; and the flow format's parameter fields.
import { describe, expect, it } from "vitest";
import { boundContextId, boundContextIds, flowFileScopes, parameterReferences, resolveFlow, resolveProperties, type ParameterScope, type ParameterValue } from "../../../engine/api/parameters";
import { parseFlowDocument } from "../../../engine/api/flow-format";

function scope(name: string | null, params: ParameterValue[]): ParameterScope {
  return { contextName: name, parameters: new Map(params.map((p) => [p.name, p])) };
}

const ctx = scope("dev", [
  { name: "dir", value: "/data/in", sensitive: false },
  { name: "batch size", value: "25", sensitive: false },
  { name: "db.password", value: "s3cret!", sensitive: true },
  { name: "later", sensitive: true },
]);

describe("resolveProperties", () => {
  it("replaces every reference, several in one value, with Expression Language around them", () => {
    const r = resolveProperties({ directory: "#{dir}/${now():format('yyyy')}", text: "#{batch size} of #{dir}#{dir}" }, ctx);
    expect(r.problems).toEqual([]);
    expect(r.properties).toEqual({ directory: "/data/in/${now():format('yyyy')}", text: "25 of /data/in/data/in" });
  });

  it("unfolds escapes: ##{ is a literal #{, ###{ is # and the value, #### two literal #", () => {
    const r = resolveProperties({ a: "##{dir}", b: "###{dir}", c: "####{dir}", d: "#####{dir}", e: "# #{ unclosed", f: "#{not/a name}" }, ctx);
    expect(r.problems).toEqual([]);
    expect(r.properties).toEqual({ a: "#{dir}", b: "#/data/in", c: "##{dir}", d: "##/data/in", e: "# #{ unclosed", f: "#{not/a name}" });
    expect(parameterReferences("##{dir} #{batch size} ###{dir} #{dir}")).toEqual(["batch size", "dir"]);
  });

  it("a missing parameter is a problem naming it and the context; the reference stays as written", () => {
    const r = resolveProperties({ directory: "#{missing}/x", other: "#{dir}" }, ctx);
    expect(r.properties).toEqual({ directory: "#{missing}/x", other: "/data/in" });
    expect(r.problems).toEqual([{ property: "directory", parameter: "missing", message: 'directory references parameter "missing", which is not in parameter context "dev"' }]);
  });

  it("without a bound context every reference is a problem; a value without references is untouched", () => {
    const r = resolveProperties({ a: "#{dir}", b: "plain ##{dir}" }, scope(null, []));
    expect(r.properties).toEqual({ a: "#{dir}", b: "plain #{dir}" });
    expect(r.problems.map((p) => p.message)).toEqual(['a references parameter "dir", but no parameter context is bound']);
  });

  it("a sensitive parameter resolves only in a sensitive property; one without a value is a problem", () => {
    const ok = resolveProperties({ password: "#{db.password}" }, ctx, new Set(["password"]));
    expect(ok).toEqual({ properties: { password: "s3cret!" }, problems: [] });
    const leak = resolveProperties({ text: "pw=#{db.password}" }, ctx);
    expect(leak.properties.text).toBe("pw=#{db.password}");
    expect(leak.problems[0]!.message).toMatch(/sensitive parameter "db.password"; a sensitive parameter can only be used in a sensitive property/);
    expect(JSON.stringify(leak)).not.toContain("s3cret!");
    const empty = resolveProperties({ password: "#{later}" }, ctx, new Set(["password"]));
    expect(empty.problems[0]!.message).toMatch(/parameter "later", which has no value yet/);
  });

  it("reports a parameter once per property even when referenced twice", () => {
    expect(resolveProperties({ a: "#{x}#{x}" }, ctx).problems).toHaveLength(1);
  });
});

describe("bindings", () => {
  const flow = {
    parameterContext: "root-ctx",
    groups: [
      { id: "outer", parameterContext: "outer-ctx" },
      { id: "inner", parent: "outer" },
      { id: "plain" },
      { id: "loop-a", parent: "loop-b" },
      { id: "loop-b", parent: "loop-a" },
    ],
  };
  it("a group uses its own binding, else its parent's, up to the flow's", () => {
    expect(boundContextId(flow, undefined)).toBe("root-ctx");
    expect(boundContextId(flow, "outer")).toBe("outer-ctx");
    expect(boundContextId(flow, "inner")).toBe("outer-ctx");
    expect(boundContextId(flow, "plain")).toBe("root-ctx");
    expect(boundContextId(flow, "loop-a")).toBe("root-ctx");
    expect(boundContextIds(flow)).toEqual(["root-ctx", "outer-ctx"]);
  });
});

describe("flow format parameter fields", () => {
  const base = { sluice: 1, id: "f", name: "F", processors: [] };
  it("accepts contexts carried by a flow file and bindings to them", () => {
    const r = parseFlowDocument({
      ...base,
      parameterContext: "c1",
      groups: [{ id: "g", name: "G", parameterContext: "c1" }],
      parameterContexts: [{ id: "c1", name: "Dev", parameters: [{ name: "dir", value: "/x" }, { name: "pw", sensitive: true }] }],
    });
    expect(r.ok).toBe(true);
  });
  it("names the field of a bad name, a repeated parameter and a binding to a context the file lacks", () => {
    const r = parseFlowDocument({ ...base, parameterContexts: [{ id: "c1", name: "Dev", parameters: [{ name: "a/b" }, { name: "x" }, { name: "x" }] }] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.map((p) => p.path)).toEqual(["parameterContexts[0].parameters[0].name", "parameterContexts[0].parameters[2].name"]);
    const unbound = parseFlowDocument({ ...base, parameterContext: "c2", parameterContexts: [] });
    expect(unbound.ok ? [] : unbound.problems).toEqual([{ path: "parameterContext", message: 'no parameter context with id "c2" in parameterContexts' }]);
  });
});

describe("resolveFlow", () => {
  const raw = {
    sluice: 1,
    id: "f",
    name: "F",
    parameterContext: "root",
    groups: [{ id: "g", name: "G", parameterContext: "inner" }],
    parameterContexts: [
      { id: "root", name: "Root", parameters: [{ name: "dir", value: "/in" }, { name: "pw", sensitive: true }] },
      { id: "inner", name: "Inner", parameters: [{ name: "dir", value: "/inner" }] },
    ],
    processors: [
      { id: "a", type: "GetFile", properties: { inputDirectory: "#{dir}" }, state: "running" },
      { id: "b", type: "GetFile", group: "g", properties: { inputDirectory: "#{dir}/x" }, state: "running" },
      { id: "c", type: "PutFile", properties: { directory: "#{nowhere}" }, state: "running" },
      { id: "d", type: "InvokeHTTP", properties: { password: "#{pw}" }, state: "stopped" },
    ],
    services: [{ id: "s", type: "KafkaConnection", properties: { bootstrapServers: "#{dir}" } }],
    connections: [],
  };
  const parsed = parseFlowDocument(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const file = parsed.flow;
  const sensitiveOf = (c: { type: string }) => (c.type === "InvokeHTTP" ? ["password"] : []);

  it("resolves each component against the context bound where it sits, the flow file's own contexts included", () => {
    const r = resolveFlow(file, flowFileScopes(file), sensitiveOf);
    expect(r.flow.processors.map((p) => p.properties)).toEqual([{ inputDirectory: "/in" }, { inputDirectory: "/inner/x" }, { directory: "#{nowhere}" }, { password: "#{pw}" }]);
    expect(r.flow.services[0]!.properties).toEqual({ bootstrapServers: "/in" });
    expect("parameterContexts" in r.flow).toBe(false);
    expect(r.problems).toEqual([
      { path: "processors[2].properties.directory", message: 'directory references parameter "nowhere", which is not in parameter context "Root"', processorId: "c", property: "directory" },
      { path: "processors[3].properties.password", message: 'password references parameter "pw", which has no value yet (enter it on the Parameter Contexts page)', processorId: "d", property: "password" },
    ]);
  });

  it("stops a running processor whose reference does not resolve; the others keep their states", () => {
    const r = resolveFlow(file, flowFileScopes(file), sensitiveOf);
    expect(r.flow.processors.map((p) => p.state)).toEqual(["running", "running", "stopped", "stopped"]);
  });

  it("names a binding to a context it does not know", () => {
    const r = resolveFlow({ ...file, parameterContext: "gone", processors: [], services: [] }, flowFileScopes(file), sensitiveOf);
    expect(r.problems).toEqual([{ path: "parameterContext", message: 'no parameter context with id "gone" (it was deleted, or the flow came from elsewhere)' }]);
  });
});
