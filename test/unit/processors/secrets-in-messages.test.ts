/**
 * Secrets never appear in bulletins, logs, problems or attributes: the review's KafkaConnection
 * `sslKey` read as a path and quoted in the bulletin, and InvokeHTTP's header and URL errors.
 */
import { describe, expect, it } from "vitest";
import { ConsumeKafka } from "../../../processors/kafka/consume-kafka";
import { validateKafkaConnection } from "../../../processors/kafka/kafka-connection";
import { InvokeHTTP } from "../../../processors/invoke-http";
import { testRunner, type TestRunner } from "../../../processors/testing/runner";

const SECRET = "s3cret-Zq81";

/** Every text a user or operator can see from a runner: problems, bulletins, logs, attributes. */
function visibleText(r: TestRunner): string {
  const parts: string[] = [
    ...r.problems.map((p) => p.message),
    ...r.bulletinList().map((b) => b.message),
    ...r.logs.map((l) => `${l.message} ${JSON.stringify(l.fields ?? {})}`),
  ];
  for (const rel of r.outputs.keys()) for (const ff of r.flowFiles(rel)) parts.push(JSON.stringify(ff.attributes));
  return parts.join("\n");
}

describe("a misconfigured KafkaConnection sslKey", () => {
  const service = { type: "KafkaConnection", bootstrapServers: "127.0.0.1:1", securityProtocol: "SSL", sslCert: "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----", sslKey: SECRET };

  it("is a validation problem that does not quote the value", () => {
    const problems = validateKafkaConnection(service);
    expect(problems.map((p) => p.property)).toEqual(["sslKey"]);
    expect(problems[0]!.message).toMatch(/must be the PEM text of a private key/);
    expect(JSON.stringify(problems)).not.toContain(SECRET);
  });

  it("is not read as a path, and the bulletin and the error do not contain it", async () => {
    const r = testRunner(ConsumeKafka, { properties: { topics: "in", groupId: "g", kafkaConnection: "kafka" }, controllerServices: { kafka: service } });
    const error = await r.run().then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/TLS client key|must be the PEM text of a private key/i);
    expect(error?.message).not.toContain(SECRET);
    expect(r.bulletinList().map((b) => b.message)).toEqual([expect.stringMatching(/could not be scheduled: invalid KafkaConnection: must be the PEM text/)]);
    expect(visibleText(r)).not.toContain(SECRET);
  });

  it("a PEM key is used as given", () => {
    const pem = `-----BEGIN PRIVATE KEY-----\n${SECRET}\n-----END PRIVATE KEY-----`;
    expect(validateKafkaConnection({ ...service, sslKey: pem })).toEqual([]);
  });
});

describe("InvokeHTTP never shows a header value or URL credentials", () => {
  it("a header value HTTP refuses fails the request, naming the header only", async () => {
    const r = testRunner(InvokeHTTP, { properties: { url: "http://127.0.0.1:1/", Authorization: `Bearer ${SECRET}\nX` }, autoTerminate: ["Original", "Response", "Retry", "No Retry"] });
    r.enqueue("x");
    await r.run();
    const failed = r.flowFiles("Failure");
    expect(failed.map((f) => f.attributes["invokehttp.exception.message"])).toEqual([expect.stringMatching(/^request header "Authorization" has a name or value HTTP does not allow/)]);
    expect(visibleText(r)).not.toContain(SECRET);
  });

  it("a header whose Expression Language fails is named without the message (which quotes the value)", async () => {
    const r = testRunner(InvokeHTTP, { properties: { url: "http://127.0.0.1:1/", Authorization: `\${literal('${SECRET}'):format('yyyy')}` }, autoTerminate: ["Original", "Response", "Retry", "No Retry"] });
    r.enqueue("x");
    await r.run();
    expect(r.flowFiles("Failure")[0]?.attributes["invokehttp.exception.message"]).toMatch(/^request header "Authorization" could not be evaluated/);
    expect(visibleText(r)).not.toContain(SECRET);
  });

  it("without an incoming connection the warning bulletin does not show the value either", async () => {
    const r = testRunner(InvokeHTTP, { withInput: false, properties: { url: "http://127.0.0.1:1/", Authorization: `Bearer ${SECRET}\nX` }, autoTerminate: ["Original", "Response", "Retry", "No Retry", "Failure"] });
    await r.run();
    expect(r.bulletinList().map((b) => b.message)).toEqual([expect.stringMatching(/request header "Authorization"/)]);
    expect(visibleText(r)).not.toContain(SECRET);
  });

  it("a URL with a password is refused: invalid when literal, failure without the password when from Expression Language", async () => {
    const literal = testRunner(InvokeHTTP, { properties: { url: `http://user:${SECRET}@127.0.0.1:1/` } });
    expect(literal.problems.find((p) => p.property === "url")?.message).toMatch(/must not contain a user name or password/);
    expect(visibleText(literal)).not.toContain(SECRET);

    const r = testRunner(InvokeHTTP, { properties: { url: "${target}" }, autoTerminate: ["Original", "Response", "Retry", "No Retry"] });
    r.enqueue("x", { target: `http://user:${SECRET}@127.0.0.1:1/path` });
    await r.run();
    const failed = r.flowFiles("Failure")[0]!;
    expect(failed.attributes["invokehttp.exception.message"]).toMatch(/must not contain a user name or password/);
    expect(failed.attributes["invokehttp.request.url"]).toBe("http://127.0.0.1:1/path");
    const shown = visibleText(r).split("\n").filter((l) => !l.includes('"target"'));
    expect(shown.join("\n")).not.toContain(SECRET);
  });
});
