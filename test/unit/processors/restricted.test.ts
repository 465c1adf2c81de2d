import { describe, expect, it } from "vitest";
import { processorCatalog, restrictedComponents } from "../../../engine/api/designer-catalog";
import { defineProcessor, relationship, RESTRICTION_KINDS } from "../../../engine/sdk";
import { renderProcessorDocs } from "../../../processors/docs";
import { registry } from "../../../processors/registry";

function renderProcessorDocsFor(type: string): string {
  const def = registry.get(type);
  if (!def) throw new Error(`no processor ${type}`);
  return renderProcessorDocs(def);
}

/** What each built-in processor may reach; a new processor that touches files, ports or hosts must be listed here. */
const EXPECTED: Record<string, string[]> = {
  ConsumeKafka: ["network"],
  FetchFile: ["read-files", "write-files", "delete-files"],
  GetFile: ["read-files", "delete-files"],
  HandleHttpRequest: ["listen"],
  InvokeHTTP: ["network"],
  ListFile: ["read-files"],
  ListenHTTP: ["listen"],
  PublishKafka: ["network"],
  PutFile: ["write-files"],
};

describe("restricted components", () => {
  it("the catalog lists each type's restrictions, empty for unrestricted ones", () => {
    const catalog = processorCatalog();
    expect(catalog.length).toBe(registry.list().length);
    for (const info of catalog) {
      expect(info.restrictions, info.type).toEqual(EXPECTED[info.type] ?? []);
      if (info.restrictions.length > 0) expect(info.restrictionExplanation?.length, info.type).toBeGreaterThan(20);
      else expect(info.restrictionExplanation, info.type).toBeUndefined();
    }
  });

  it("restrictedComponents lists the restricted processors of a flow document, in order", () => {
    const doc = {
      processors: [
        { id: "gen", type: "GenerateFlowFile" },
        { id: "put", type: "PutFile" },
        { id: "http", type: "InvokeHTTP" },
        { id: "ghost", type: "NoSuchType" },
        { id: "get", type: "GetFile" },
      ],
    };
    expect(restrictedComponents(doc)).toEqual([
      { id: "put", type: "PutFile", kinds: ["write-files"] },
      { id: "http", type: "InvokeHTTP", kinds: ["network"] },
      { id: "get", type: "GetFile", kinds: ["read-files", "delete-files"] },
    ]);
    expect(restrictedComponents({ processors: [] })).toEqual([]);
  });

  it("the reference docs show the kinds, the explanation and the permission", () => {
    const md = renderProcessorDocsFor("GetFile");
    expect(md).toContain("**Restricted:** `read-files`, `delete-files`.");
    expect(md).toContain("needs `restricted:read-files` and `restricted:delete-files`.");
    expect(renderProcessorDocsFor("UpdateAttribute")).not.toContain("**Restricted:**");
  });

  it("a declaration without kinds, with a repeated kind or without an explanation is refused", () => {
    const base = { type: "X", summary: "a test processor", input: "allowed" as const, properties: {}, relationships: { success: relationship("ok") }, onTrigger() {} };
    expect(() => defineProcessor({ ...base, restricted: { kinds: [], explanation: "reaches nothing" } })).toThrow(/at least one kind/);
    expect(() => defineProcessor({ ...base, restricted: { kinds: ["network", "network"], explanation: "calls out" } })).toThrow(/repeats/);
    expect(() => defineProcessor({ ...base, restricted: { kinds: ["network"], explanation: " " } })).toThrow(/explanation/);
    expect(defineProcessor({ ...base, restricted: { kinds: ["network", "listen"], explanation: "calls out" } }).restricted?.kinds).toEqual(["network", "listen"]);
    expect(RESTRICTION_KINDS).toEqual(["read-files", "write-files", "delete-files", "listen", "network"]);
  });
});
