// The pure parts of access control: roles → permissions, the request guard (Host, origin, JSON)
// and which restricted processors a change adds, changes or starts.
import { describe, expect, it } from "vitest";
import type { FlowDocument } from "../../../app/lib/engine-client";
import { permissionsOf, ROLE_PERMISSIONS } from "../../../app/lib/auth/policy";
import { checkRequest, hostNameOf } from "../../../app/lib/auth/request-guard";
import { restrictedUses } from "../../../app/lib/auth/restricted";
import { hashPassword, verifyPassword } from "../../../app/lib/auth/passwords";

const headers = (h: Record<string, string>) => new Headers(h);

describe("roles", () => {
  it("each role holds every permission of the roles below it; grants add, unknown grants do not", () => {
    expect(ROLE_PERMISSIONS.viewer).toEqual(["flows:read", "audit:read", "metrics:read"]);
    for (const p of ROLE_PERMISSIONS.viewer) expect(ROLE_PERMISSIONS.operator).toContain(p);
    for (const p of ROLE_PERMISSIONS.operator) expect(ROLE_PERMISSIONS.editor).toContain(p);
    for (const p of ROLE_PERMISSIONS.editor) expect(ROLE_PERMISSIONS.admin).toContain(p);
    expect(permissionsOf("editor", ["restricted:read-files", "root"])).toContain("restricted:read-files");
    expect(permissionsOf("editor", ["root"])).not.toContain("root");
  });
});

describe("request guard", () => {
  const host = { host: "127.0.0.1:3000" };
  it("accepts GETs from any origin on a known host, refuses unknown hosts", () => {
    expect(checkRequest("GET", headers({ ...host, origin: "http://evil.example" }), "none")).toBeUndefined();
    expect(checkRequest("GET", headers({ host: "localhost:3000" }), "none")).toBeUndefined();
    expect(checkRequest("GET", headers({ host: "[::1]:3000" }), "none")).toBeUndefined();
    expect(checkRequest("GET", headers({ host: "evil.example:3000" }), "none")?.status).toBe(421);
    expect(checkRequest("GET", headers({}), "none")?.status).toBe(421);
    expect(hostNameOf("Example.COM:80")).toBe("example.com");
    expect(hostNameOf("a b")).toBeUndefined();
  });
  it("needs the server's own origin and a JSON body for state-changing requests", () => {
    const json = { "content-type": "application/json; charset=utf-8" };
    expect(checkRequest("POST", headers({ ...host, ...json, origin: "http://127.0.0.1:3000" }), "json")).toBeUndefined();
    expect(checkRequest("POST", headers({ ...host, ...json, "sec-fetch-site": "same-origin" }), "json")).toBeUndefined();
    expect(checkRequest("POST", headers({ ...host, ...json, origin: "http://127.0.0.1:3001" }), "json")?.code).toBe("cross-origin");
    expect(checkRequest("POST", headers({ ...host, ...json, origin: "null" }), "json")?.code).toBe("cross-origin");
    expect(checkRequest("POST", headers({ ...host, ...json }), "json")?.code).toBe("cross-origin");
    expect(checkRequest("DELETE", headers({ ...host, origin: "http://127.0.0.1:3000" }), "none")).toBeUndefined();
    expect(checkRequest("POST", headers({ ...host, origin: "http://127.0.0.1:3000" }), "json")?.status).toBe(415);
    expect(checkRequest("POST", headers({ ...host, origin: "http://127.0.0.1:3000", "content-type": "text/plain" }), "none")?.status).toBe(415);
    // A bearer token is exempt from the origin check, not from JSON.
    expect(checkRequest("POST", headers({ ...host, ...json, authorization: "Bearer sluice_x" }), "json")).toBeUndefined();
    expect(checkRequest("POST", headers({ ...host, authorization: "Bearer sluice_x", "content-type": "text/plain" }), "json")?.status).toBe(415);
  });
});

describe("restricted processors in a change", () => {
  const types = new Map([["PutFile", ["write-files" as const]]]);
  const doc = (put: Record<string, unknown> | null): FlowDocument =>
    ({
      sluice: 1,
      id: "f",
      name: "f",
      processors: [
        { id: "gen", type: "GenerateFlowFile", properties: {}, state: "running" },
        ...(put ? [{ id: "put", type: "PutFile", properties: { directory: "/a" }, state: "stopped", ...put }] : []),
      ],
      connections: [],
      groups: [],
      services: [],
    }) as unknown as FlowDocument;
  const uses = (before: FlowDocument | null, after: FlowDocument, opts = { deployed: false, starting: false }) => restrictedUses(before, after, types, opts).map((u) => `${u.processor.id}:${u.use}`);

  it("counts adding, changing what it reaches, and starting; not moving, renaming, removing or stopping", () => {
    expect(uses(null, doc({}))).toEqual(["put:added"]);
    expect(uses(doc(null), doc({}))).toEqual(["put:added"]);
    expect(uses(doc({}), doc({ properties: { directory: "/b" } }))).toEqual(["put:changed"]);
    expect(uses(doc({}), doc({ position: { x: 1, y: 2 }, name: "renamed", comments: "c" }))).toEqual([]);
    expect(uses(doc({}), doc(null))).toEqual([]);
    expect(uses(doc({ state: "running" }), doc({ state: "stopped" }), { deployed: true, starting: true })).toEqual([]);
    expect(uses(doc({}), doc({ state: "running" }), { deployed: false, starting: true })).toEqual(["put:started"]);
    // A flow that is not deployed starts every processor in state "running" when it is.
    expect(uses(doc({ state: "running" }), doc({ state: "running" }), { deployed: false, starting: true })).toEqual(["put:started"]);
    expect(uses(doc({ state: "running" }), doc({ state: "running" }), { deployed: true, starting: true })).toEqual([]);
    // A save of a flow that is not deployed starts nothing.
    expect(uses(doc({}), doc({ state: "running" }), { deployed: false, starting: false })).toEqual([]);
  });
});

describe("passwords", () => {
  it("are argon2id hashes that verify only the right password; an unknown user verifies false", async () => {
    const h = await hashPassword("correct horse battery");
    expect(h).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(h, "correct horse battery")).toBe(true);
    expect(await verifyPassword(h, "wrong")).toBe(false);
    expect(await verifyPassword(undefined, "correct horse battery")).toBe(false);
    expect(await verifyPassword("not a hash", "x")).toBe(false);
  });
});
