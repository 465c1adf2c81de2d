// What the config panel's EL completion offers, from the text before the caret.
import { describe, expect, it } from "vitest";
import { completionContext } from "../../../app/components/designer/el-textarea";

describe("completionContext", () => {
  it("offers subject functions after ':' inside an open ${, with what is typed so far", () => {
    expect(completionContext("${filename:toU")).toEqual({ kind: "subject", prefix: "toU" });
    expect(completionContext("a ${x:trim():")).toEqual({ kind: "subject", prefix: "" });
    expect(completionContext("${a:equals(${b:up")).toEqual({ kind: "subject", prefix: "up" });
  });

  it("offers standalone functions right after ${", () => {
    expect(completionContext("${no")).toEqual({ kind: "standalone", prefix: "no" });
    expect(completionContext("text ${")).toEqual({ kind: "standalone", prefix: "" });
  });

  it("offers nothing outside an expression or inside arguments", () => {
    expect(completionContext("plain: text")).toBeNull();
    expect(completionContext("${a:toUpper()} and:")).toBeNull();
    expect(completionContext("${a:substring(1, ")).toBeNull();
  });
});
