/**
 * KafkaConnection: the controller service that holds how to reach a Kafka cluster (bootstrap
 * servers, client id, SASL, TLS, timeouts), and the one place that turns such settings into a
 * kafkajs client. ConsumeKafka and PublishKafka reference a KafkaConnection by id, or take
 * inline bootstrap servers for a quick plaintext setup.
 */
import fs from "node:fs";
import type { ConnectionOptions } from "node:tls";
import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from "kafkajs";
import {
  property,
  resolveConfig,
  type ConfigOf,
  type EngineServices,
  type FileRoots,
  type ProcessorLogger,
  type PropertyMap,
  type ValidationProblem,
} from "../../engine/sdk";

/** The `type` a flow's `services[]` entry has for a Kafka connection. */
export const KAFKA_CONNECTION_TYPE = "KafkaConnection";

/**
 * A controller service declared as data, like a processor: its properties give validation,
 * the designer's form and the docs. Contract: `validate` adds cross-property checks to the
 * per-descriptor ones and never throws.
 */
export interface ControllerServiceDescriptor<P extends PropertyMap> {
  readonly kind: "controllerService";
  readonly type: string;
  readonly summary: string;
  readonly description?: string;
  readonly properties: P;
  validate?(config: ConfigOf<P>, raw: Readonly<Record<string, string>>): ValidationProblem[];
}

const SASL_PROTOCOLS = ["SASL_PLAINTEXT", "SASL_SSL"] as const;
const TLS_PROTOCOLS = ["SSL", "SASL_SSL"] as const;

/** The armour line of a PEM private key (PKCS#8, RSA, EC, encrypted or not). */
const PRIVATE_KEY_PEM = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/** "host:port[,host:port...]" */
const BROKER_LIST = /^\s*[^\s,:]+:\d{1,5}\s*(,\s*[^\s,:]+:\d{1,5}\s*)*$/;

const kafkaConnectionProperties = {
  bootstrapServers: property.string({
    displayName: "Bootstrap Servers",
    description: "Comma-separated host:port list of brokers to bootstrap from.",
    required: true,
    pattern: BROKER_LIST,
    patternHint: 'must be a comma-separated list of host:port, e.g. "kafka1:9092,kafka2:9092"',
  }),
  clientId: property.string({
    displayName: "Client Id",
    description: "Client id sent to the brokers (quotas, logs). Each processor appends its own id.",
    default: "sluice",
  }),
  securityProtocol: property.enum({
    displayName: "Security Protocol",
    description: "How to talk to the brokers: plaintext or TLS, with or without SASL authentication.",
    values: ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"],
    default: "PLAINTEXT",
  }),
  saslMechanism: property.enum({
    displayName: "SASL Mechanism",
    description: "SASL mechanism for SASL_PLAINTEXT and SASL_SSL.",
    values: ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"],
    default: "PLAIN",
    dependsOn: { property: "securityProtocol", values: SASL_PROTOCOLS },
  }),
  username: property.string({
    displayName: "Username",
    description: "SASL username.",
    required: true,
    dependsOn: { property: "securityProtocol", values: SASL_PROTOCOLS },
  }),
  password: property.sensitive({
    displayName: "Password",
    description: "SASL password.",
    required: true,
    dependsOn: { property: "securityProtocol", values: SASL_PROTOCOLS },
  }),
  sslCa: property.string({
    displayName: "TLS CA Certificate",
    description: "PEM text, or the path of a PEM file inside SLUICE_FILE_ROOTS, of the CA(s) to trust. Empty = the system's trusted CAs.",
    dependsOn: { property: "securityProtocol", values: TLS_PROTOCOLS },
  }),
  sslCert: property.string({
    displayName: "TLS Client Certificate",
    description: "PEM text, or the path of a PEM file inside SLUICE_FILE_ROOTS, of the client certificate, for mutual TLS. Requires the key.",
    dependsOn: { property: "securityProtocol", values: TLS_PROTOCOLS },
  }),
  sslKey: property.sensitive({
    displayName: "TLS Client Key",
    description: "PEM text of the client's private key (-----BEGIN ... PRIVATE KEY-----), for mutual TLS; a file path is not accepted, so the secret is stored encrypted with the flow. Requires the certificate.",
    dependsOn: { property: "securityProtocol", values: TLS_PROTOCOLS },
  }),
  sslKeyPassword: property.sensitive({
    displayName: "TLS Client Key Password",
    description: "Passphrase of an encrypted client key.",
    dependsOn: { property: "securityProtocol", values: TLS_PROTOCOLS },
  }),
  sslVerifyServer: property.boolean({
    displayName: "Verify Server Certificate",
    description: "Reject brokers whose certificate is not trusted. Turn off only for tests.",
    default: "true",
    dependsOn: { property: "securityProtocol", values: TLS_PROTOCOLS },
  }),
  connectionTimeout: property.duration({
    displayName: "Connection Timeout",
    description: "How long to wait for a TCP (and TLS) connection to a broker.",
    default: "10 sec",
    minMs: 100,
  }),
  requestTimeout: property.duration({
    displayName: "Request Timeout",
    description: "How long to wait for a broker's answer to one request.",
    default: "30 sec",
    minMs: 100,
  }),
};

export type KafkaConnectionConfig = ConfigOf<typeof kafkaConnectionProperties>;

export const KafkaConnection: ControllerServiceDescriptor<typeof kafkaConnectionProperties> = {
  kind: "controllerService",
  type: KAFKA_CONNECTION_TYPE,
  summary: "How to reach a Kafka cluster: brokers, client id, SASL (PLAIN, SCRAM-SHA-256/512), TLS, timeouts.",
  description:
    "Referenced by ConsumeKafka and PublishKafka through their Kafka Connection property, so one cluster's settings (and secrets) live in one place. Certificates are PEM text or paths of PEM files inside SLUICE_FILE_ROOTS; the client key is PEM text only. Messages about a sensitive value never quote it.",
  properties: kafkaConnectionProperties,
  validate(config) {
    const problems: ValidationProblem[] = [];
    if ((config.sslCert === undefined) !== (config.sslKey === undefined)) {
      problems.push({ property: config.sslCert === undefined ? "sslCert" : "sslKey", message: "a TLS client certificate and key go together" });
    }
    if (config.sslKey !== undefined && !PRIVATE_KEY_PEM.test(config.sslKey)) {
      problems.push({
        property: "sslKey",
        message: "must be the PEM text of a private key (-----BEGIN ... PRIVATE KEY-----); a file path is not accepted (the value is not shown)",
      });
    }
    return problems;
  },
};

/** Resolved, validated settings a kafkajs client is built from. */
export interface KafkaSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly ssl?: ConnectionOptions | boolean;
  readonly sasl?: SASLOptions;
  readonly connectionTimeout: number;
  readonly requestTimeout: number;
}

/** Validates a KafkaConnection's raw properties; every problem is returned, not just the first. */
export function validateKafkaConnection(raw: Readonly<Record<string, string>>): ValidationProblem[] {
  const { config, problems } = resolveConfig(kafkaConnectionProperties, raw);
  return problems.length ? problems : (KafkaConnection.validate?.(config, raw) ?? []);
}

/**
 * PEM text as is; anything else is the path of a PEM file, read only inside the file roots. Only
 * for values that are not secret (certificates): the message names the path.
 */
function pemOrFile(value: string, what: string, fileRoots: FileRoots): string {
  if (value.includes("-----BEGIN")) return value;
  let file: string;
  try {
    file = fileRoots.resolve(value);
  } catch (e) {
    throw new Error(`${what} file: ${(e as Error).message}`);
  }
  try {
    return fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`cannot read ${what} file ${value}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Splits "a:1, b:2" into ["a:1", "b:2"]. */
export function parseBrokers(text: string): string[] {
  return text.split(",").map((b) => b.trim()).filter(Boolean);
}

/**
 * Turns a KafkaConnection's raw properties into client settings, reading certificate files
 * inside `fileRoots`. Throws with every problem listed; no message quotes a sensitive value.
 */
export function kafkaSettingsFromService(raw: Readonly<Record<string, string>>, fileRoots: FileRoots): KafkaSettings {
  const { config, problems } = resolveConfig(kafkaConnectionProperties, raw);
  const all = problems.length ? problems : (KafkaConnection.validate?.(config, raw) ?? []);
  if (all.length) throw new Error(`invalid KafkaConnection: ${all.map((p) => p.message).join("; ")}`);
  const protocol = config.securityProtocol;
  let ssl: ConnectionOptions | boolean | undefined;
  if (protocol === "SSL" || protocol === "SASL_SSL") {
    const tls: ConnectionOptions = { rejectUnauthorized: config.sslVerifyServer ?? true };
    if (config.sslCa) tls.ca = pemOrFile(config.sslCa, "TLS CA certificate", fileRoots);
    if (config.sslCert) tls.cert = pemOrFile(config.sslCert, "TLS client certificate", fileRoots);
    if (config.sslKey) tls.key = config.sslKey;
    if (config.sslKeyPassword) tls.passphrase = config.sslKeyPassword;
    ssl = tls;
  }
  let sasl: SASLOptions | undefined;
  if (protocol === "SASL_PLAINTEXT" || protocol === "SASL_SSL") {
    const username = config.username ?? "";
    const password = config.password ?? "";
    const mechanism = config.saslMechanism ?? "PLAIN";
    sasl =
      mechanism === "PLAIN"
        ? { mechanism: "plain", username, password }
        : mechanism === "SCRAM-SHA-256"
          ? { mechanism: "scram-sha-256", username, password }
          : { mechanism: "scram-sha-512", username, password };
  }
  return {
    brokers: parseBrokers(config.bootstrapServers),
    clientId: config.clientId,
    ssl,
    sasl,
    connectionTimeout: config.connectionTimeout,
    requestTimeout: config.requestTimeout,
  };
}

/** The connection properties both Kafka processors carry: a service id, or inline brokers. */
export const connectionProperties = {
  kafkaConnection: property.string({
    displayName: "Kafka Connection",
    description: `Id of a ${KAFKA_CONNECTION_TYPE} controller service (brokers, SASL, TLS). Either this or Bootstrap Servers.`,
  }),
  bootstrapServers: property.string({
    displayName: "Bootstrap Servers",
    description: "Convenience for a plaintext cluster: comma-separated host:port list, used when no Kafka Connection is set.",
    pattern: BROKER_LIST,
    patternHint: 'must be a comma-separated list of host:port, e.g. "localhost:9092"',
  }),
};

/** Cross-check for {@link connectionProperties}: exactly one of the two is set. */
export function validateConnectionChoice(config: { kafkaConnection?: string; bootstrapServers?: string }): ValidationProblem[] {
  const service = config.kafkaConnection?.trim();
  const inline = config.bootstrapServers?.trim();
  if (!service && !inline) return [{ property: "kafkaConnection", message: "set a Kafka Connection or Bootstrap Servers" }];
  if (service && inline) return [{ property: "bootstrapServers", message: "set either a Kafka Connection or Bootstrap Servers, not both" }];
  return [];
}

/**
 * Resolves a processor's connection choice into settings: the referenced KafkaConnection
 * service (which must exist and have that type; its certificate files are read inside
 * `fileRoots`), or the inline brokers with defaults.
 */
export function resolveKafkaSettings(
  config: { kafkaConnection?: string; bootstrapServers?: string },
  services: EngineServices,
  processorId: string,
  fileRoots: FileRoots,
): KafkaSettings {
  const id = config.kafkaConnection?.trim();
  if (id) {
    const raw = services.getControllerService(id);
    if (!raw) throw new Error(`no controller service with id "${id}" in this flow`);
    if (raw.type !== undefined && raw.type !== KAFKA_CONNECTION_TYPE) {
      throw new Error(`controller service "${id}" is a ${raw.type}, not a ${KAFKA_CONNECTION_TYPE}`);
    }
    const settings = kafkaSettingsFromService(raw, fileRoots);
    return { ...settings, clientId: `${settings.clientId}-${processorId}` };
  }
  return {
    brokers: parseBrokers(config.bootstrapServers ?? ""),
    clientId: `sluice-${processorId}`,
    connectionTimeout: 10_000,
    requestTimeout: 30_000,
  };
}

/** kafkajs log lines go to the processor's log; errors become warnings (and so bulletins). */
function logCreatorFor(logger: ProcessorLogger) {
  return () =>
    ({ namespace, level, log }: LogEntry): void => {
      const { message, timestamp: _timestamp, ...fields } = log;
      const text = `kafkajs ${namespace}: ${message}`;
      if (level === logLevel.ERROR) logger.warn(text, fields);
      else if (level === logLevel.WARN) logger.info(text, fields);
      else logger.debug(text, fields);
    };
}

/**
 * Builds a kafkajs client. One client per processor (kafkajs clients are cheap; their
 * producers and consumers each own their connections).
 * @param retry kafkajs retry options; the default retries a few times over ~10 s.
 */
export function createKafkaClient(settings: KafkaSettings, logger: ProcessorLogger, retry?: KafkaConfig["retry"]): Kafka {
  return new Kafka({
    clientId: settings.clientId,
    brokers: [...settings.brokers],
    ssl: settings.ssl,
    sasl: settings.sasl,
    connectionTimeout: settings.connectionTimeout,
    requestTimeout: settings.requestTimeout,
    retry: retry ?? { initialRetryTime: 200, retries: 6, maxRetryTime: 5_000 },
    logLevel: logLevel.INFO,
    logCreator: logCreatorFor(logger),
  });
}

/** Transit URI of a topic for provenance: kafka://first-broker/topic. */
export function transitUri(settings: KafkaSettings, topic: string): string {
  return `kafka://${settings.brokers[0] ?? "unknown"}/${topic}`;
}
