import { describe, expect, it } from "vitest";
import { RouteText } from "../../../processors/route-text";
import { testRunner } from "../../../processors/testing/runner";

const log = "INFO start\nERROR disk full\nWARN slow\nERROR net down\n";

describe("RouteText", () => {
  it("routes lines to each matching property name, one FlowFile per route", async () => {
    const r = testRunner(RouteText, { properties: { matchingStrategy: "Starts With", errors: "ERROR", warnings: "WARN" } });
    const input = r.enqueue(log, { filename: "app.log" });
    await r.run();
    expect(r.flowFiles("errors").map((f) => f.content)).toEqual(["ERROR disk full\nERROR net down\n"]);
    expect(r.flowFiles("warnings").map((f) => f.content)).toEqual(["WARN slow\n"]);
    expect(r.flowFiles("unmatched").map((f) => f.content)).toEqual(["INFO start\n"]);
    expect(r.flowFiles("errors")[0]!.attributes["RouteText.Route"]).toBe("errors");
    expect(r.flowFiles("errors")[0]!.attributes.filename).toBe("app.log");
    const fork = (await r.provenance()).find((e) => e.type === "FORK" && e.flowFileUuid === input.uuid);
    expect(fork?.childUuids).toHaveLength(3);
  });

  it("matched strategies: all and any", async () => {
    const all = testRunner(RouteText, { properties: { routingStrategy: "Route to 'matched' if line matches all conditions", matchingStrategy: "Contains", a: "o", b: "n" } });
    all.enqueue("one\ntwo\nnine\n");
    await all.run();
    expect(all.flowFiles("matched")[0]!.content).toBe("one\n");
    expect(all.flowFiles("unmatched")[0]!.content).toBe("two\nnine\n");
    const any = testRunner(RouteText, { properties: { routingStrategy: "Route to 'matched' if lines matches any condition", matchingStrategy: "Equals", a: "two", b: "nine" } });
    any.enqueue("one\ntwo\nnine");
    await any.run();
    expect(any.flowFiles("matched")[0]!.content).toBe("two\nnine");
  });

  it("supports regular expressions, case and whitespace options", async () => {
    const r = testRunner(RouteText, { properties: { matchingStrategy: "Matches Regular Expression", ignoreCase: "true", num: "id=\\d+" } });
    r.enqueue("  ID=12  \nid=x\n");
    await r.run();
    expect(r.flowFiles("num")[0]!.content).toBe("  ID=12  \n");
    const strict = testRunner(RouteText, { properties: { matchingStrategy: "Ends With", ignoreWhitespace: "false", end: "x" } });
    strict.enqueue("ax \nbx\n");
    await strict.run();
    expect(strict.flowFiles("end")[0]!.content).toBe("bx\n");
  });

  it("evaluates Satisfies Expression with ${line} and ${lineNo}, and attributes in values", async () => {
    const r = testRunner(RouteText, {
      properties: { matchingStrategy: "Satisfies Expression", big: "${line:toNumber():gt(${limit})}", first: "${lineNo:equals('1')}" },
    });
    // Attributes named line/lineNo do not hide the line being tested (NiFi's lookup order).
    r.enqueue("5\n50\n500\n", { limit: "10", line: "0", lineNo: "7" });
    await r.run();
    expect(r.flowFiles("big")[0]!.content).toBe("50\n500\n");
    expect(r.flowFiles("first")[0]!.content).toBe("5\n");
  });

  it("groups lines by a grouping regular expression", async () => {
    const r = testRunner(RouteText, { properties: { matchingStrategy: "Contains", all: ",", groupingRegex: "(\\w+),.*" } });
    r.enqueue("a,1\nb,2\na,3\n");
    await r.run();
    expect(r.flowFiles("all").map((f) => [f.attributes["RouteText.Group"], f.content])).toEqual([
      ["a", "a,1\na,3\n"],
      ["b", "b,2\n"],
    ]);
  });

  it("routes the input to failure when a condition cannot be evaluated", async () => {
    const r = testRunner(RouteText, { properties: { matchingStrategy: "Satisfies Expression", n: "${line:format('yyyy'):equals('2024')}" } });
    r.enqueue("1\nnot a number\n");
    await r.run();
    r.assertTransferCount("failure", 1);
    r.assertTransferCount("n", 0);
    expect(r.flowFiles("failure")[0]!.attributes["routetext.error"]).toBeTruthy();
  });

  it("validates", () => {
    expect(testRunner(RouteText, { properties: { matchingStrategy: "Contains" } }).isValid).toBe(false);
    expect(testRunner(RouteText, { properties: { a: "x" } }).isValid).toBe(false);
    expect(testRunner(RouteText, { properties: { matchingStrategy: "Contains Regular Expression", a: "(" } }).isValid).toBe(false);
    expect(testRunner(RouteText, { properties: { matchingStrategy: "Contains", unmatched: "x" } }).isValid).toBe(false);
  });
});
