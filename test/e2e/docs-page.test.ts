/** The app shows the processor reference generated from the descriptors. */
import { describe, expect, inject, it } from "vitest";
import { registry } from "../../processors/registry";
import { ApiSession } from "./helpers";

describe("processor reference page", () => {
  it("documents every registered processor with its properties and relationships", async () => {
    const session = await ApiSession.signIn(inject("baseUrl"));
    const res = await session.fetch("/docs/processors");
    expect(res.status).toBe(200);
    const html = await res.text();
    const types = registry.list().map((d) => d.type);
    expect(types.length).toBeGreaterThan(30);
    for (const t of types) expect(html, t).toMatch(new RegExp(`<h2[^>]*>${t}</h2>`));
    // A property table row and a relationship of a well-known processor.
    expect(html).toContain("Routing Strategy");
    expect(html).toMatch(/<table>/);
    expect(html).toContain("unmatched");
  });
});
