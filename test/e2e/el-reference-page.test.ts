/** The app shows the Expression Language reference generated from the evaluator's function table. */
import { describe, expect, inject, it } from "vitest";
import { FUNCTIONS, NOT_SUPPORTED } from "../../engine/core/el/index";
import { ApiSession } from "./helpers";

describe("Expression Language reference page", () => {
  it("lists every function and the unsupported NiFi functions, and the processor page links to it", async () => {
    const session = await ApiSession.signIn(inject("baseUrl"));
    const res = await session.fetch("/docs/expression-language");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/<h1[^>]*>Expression Language<\/h1>/);
    for (const name of FUNCTIONS.keys()) expect(html, name).toContain(`<code>${name}(`);
    for (const n of NOT_SUPPORTED) expect(html, n.name).toContain(`<code>${n.name}</code>`);
    const processors = await (await session.fetch("/docs/processors")).text();
    expect(processors).toContain('href="/docs/expression-language"');
  });

  it("sends a signed-out visitor to the login page", async () => {
    const res = await fetch(new URL("/docs/expression-language", inject("baseUrl")), { redirect: "manual" });
    expect([302, 303, 307]).toContain(res.status);
    expect(res.headers.get("location")).toMatch(/\/login\?next=%2Fdocs%2Fexpression-language/);
  });
});
