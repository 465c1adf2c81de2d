/**
 * The NiFi → Sluice table: which NiFi processor, controller service, prioritizer and
 * load-balance strategy becomes which Sluice one, property by property. This file is data; the
 * importer (import-flow.ts) only reads it. A NiFi type that is not listed here has no Sluice
 * counterpart and becomes a placeholder.
 *
 * Property keys are NiFi property *names* as they appear in exports. NiFi 2.x renamed many
 * 1.x machine names to their display names ("character-set" → "Character Set"), so a rule may be
 * listed under several names; whichever the file has is used.
 *
 * Rules:
 * - `"sluiceName"`: the value is copied;
 * - `{ to, values }`: copied through a value table (a value not in the table is copied as is
 *   and reported, so the flow's validation names it);
 * - `{ to, convert: "csv-to-regex" }`: a comma-separated list of names becomes a regular
 *   expression matching exactly those names;
 * - `{ to, alsoSet }`: copied, and when the value is not empty the properties in `alsoSet` are
 *   set too (a NiFi setting that switches a mode on by being present);
 * - `{ drop, nifiDefault? }`: Sluice has no such setting; a value other than NiFi's default is
 *   reported as a change, with `drop` as the reason;
 * - `{ to, fromService }`: the property names a controller service (a record reader or writer)
 *   that Sluice folds into the processor: the service's type gives the value of `to`, and the
 *   service's own properties map onto the processor's by `properties`. The service itself is
 *   not imported.
 */

/** How one NiFi property carries over. */
export type PropertyRule =
  | string
  | { to: string; values?: Readonly<Record<string, string>>; convert?: "csv-to-regex"; alsoSet?: Readonly<Record<string, string>> }
  | { drop: string; nifiDefault?: string }
  | { to: string; fromService: Readonly<Record<string, FoldedService>> };

/** A controller service type folded into a processor setting (see `fromService`). */
export interface FoldedService {
  /** The value the processor property takes. */
  value: string;
  /** The service's NiFi properties → the processor's Sluice properties. */
  properties?: Readonly<Record<string, string | { to: string; values: Readonly<Record<string, string>> }>>;
  /** Sluice property → value, where the service leaves the NiFi default (which differs from Sluice's). */
  defaults?: Readonly<Record<string, string>>;
}

/** How one NiFi processor type (or controller service type) becomes a Sluice one. */
export interface ComponentMapping {
  /** The Sluice processor type (processors/registry.ts) or service type. */
  sluiceType: string;
  /** NiFi property name → rule. NiFi properties not listed become dynamic properties where the Sluice type has them, and are reported as dropped otherwise. */
  properties: Readonly<Record<string, PropertyRule>>;
  /** NiFi relationship name → Sluice relationship name, where they differ. A NiFi relationship mapped to `null` does not exist in Sluice. */
  relationships?: Readonly<Record<string, string | null>>;
  /** Sluice relationships the NiFi type does not have: auto-terminated on import (and reported). */
  sluiceOnlyRelationships?: readonly string[];
  /** A difference every import of this type has, reported as a change. */
  note?: string;
}

const CHARSET_DROPPED: PropertyRule = { drop: "Sluice reads and writes text as UTF-8", nifiDefault: "UTF-8" };
const LOG_LEVELS = { trace: "debug", debug: "debug", info: "info", warn: "warn", error: "error", fatal: "error", TRACE: "debug", DEBUG: "debug", INFO: "info", WARN: "warn", ERROR: "error", FATAL: "error" };
const BOOL = { true: "true", false: "false", True: "true", False: "false", TRUE: "true", FALSE: "false" };

const STANDARD = "org.apache.nifi.processors.standard.";

/** The CSV settings NiFi keeps on a CSV reader or writer service, as ConvertRecord's properties. */
const CSV_SETTINGS = {
  "Value Separator": "valueSeparator",
  "Quote Character": "quoteCharacter",
  "Escape Character": "escapeCharacter",
  "Skip Header Line": { to: "treatFirstLineAsHeader", values: BOOL },
  "Treat First Line as Header": { to: "treatFirstLineAsHeader", values: BOOL },
  "Trim Fields": { to: "trimFields", values: BOOL },
  "Record Separator": { to: "recordSeparator", values: { "\\n": "LF", "\\r\\n": "CRLF" } },
  "Include Header Line": { to: "includeHeaderLine", values: BOOL },
} as const;
const JSON_WRITER_SETTINGS = {
  "Pretty Print JSON": { to: "prettyPrint", values: BOOL },
  "output-grouping": { to: "outputGrouping", values: { "output-array": "Array", "output-oneline": "One Line Per Object" } },
  "Output Grouping": { to: "outputGrouping", values: { "output-array": "Array", "output-oneline": "One Line Per Object" } },
} as const;
const RECORD_READERS: Readonly<Record<string, FoldedService>> = {
  "org.apache.nifi.json.JsonTreeReader": { value: "JSON" },
  "org.apache.nifi.json.JsonPathReader": { value: "JSON" },
  "org.apache.nifi.csv.CSVReader": {
    value: "CSV",
    properties: CSV_SETTINGS,
    defaults: { valueSeparator: ",", quoteCharacter: '"', escapeCharacter: "\\", treatFirstLineAsHeader: "false", trimFields: "true" },
  },
};
const RECORD_WRITERS: Readonly<Record<string, FoldedService>> = {
  "org.apache.nifi.json.JsonRecordSetWriter": { value: "JSON", properties: JSON_WRITER_SETTINGS },
  "org.apache.nifi.csv.CSVRecordSetWriter": {
    value: "CSV",
    properties: CSV_SETTINGS,
    defaults: { valueSeparator: ",", quoteCharacter: '"', escapeCharacter: "\\", includeHeaderLine: "true", recordSeparator: "LF" },
  },
};

/**
 * NiFi 1.x's Kafka processors (one per client version) configure the client inline. Sluice's take
 * inline brokers for plaintext only; security settings belong on a KafkaConnection service.
 */
const KAFKA_1X_CLIENT: Readonly<Record<string, PropertyRule>> = {
  "bootstrap.servers": "bootstrapServers",
  "security.protocol": { drop: "inline Kafka settings are plaintext in Sluice: add a KafkaConnection service for SASL or SSL and select it", nifiDefault: "PLAINTEXT" },
  "sasl.mechanism": { drop: "set it on a KafkaConnection service", nifiDefault: "GSSAPI" },
  "sasl.username": { drop: "set it on a KafkaConnection service" },
  "sasl.password": { drop: "set it on a KafkaConnection service" },
  "sasl.kerberos.service.name": { drop: "Kerberos is not available in Sluice" },
  "kerberos-user-service": { drop: "Kerberos is not available in Sluice" },
  "ssl.context.service": { drop: "set the certificates on a KafkaConnection service" },
  "message-header-encoding": { drop: "Sluice reads and writes headers as UTF-8", nifiDefault: "UTF-8" },
};
const CONSUME_KAFKA_1X: ComponentMapping = {
  sluiceType: "ConsumeKafka",
  properties: {
    ...KAFKA_1X_CLIENT,
    topic: "topics",
    topic_type: { to: "topicFormat", values: { names: "names", pattern: "pattern" } },
    "group.id": "groupId",
    "auto.offset.reset": { to: "offsetReset", values: { earliest: "earliest", latest: "latest" } },
    "key-attribute-encoding": { to: "keyEncoding", values: { "utf-8": "utf-8", hex: "hex", "do-not-add": "utf-8" } },
    "message-demarcator": { to: "demarcator", alsoSet: { outputStrategy: "demarcated" } },
    "header-name-regex": "headerPattern",
    "honor-transactions": { to: "honorTransactions", values: BOOL },
    "max.poll.records": { drop: "set Max Records per Trigger", nifiDefault: "10000" },
    "separate-by-key": { drop: "Sluice batches by partition", nifiDefault: "false" },
    "Commit Offsets": { drop: "Sluice commits offsets once a session is durable", nifiDefault: "true" },
    "max-uncommit-offset-wait": { drop: "Sluice commits offsets once a session is durable", nifiDefault: "1 secs" },
    "Communications Timeout": { drop: "set it on a KafkaConnection service", nifiDefault: "60 secs" },
  },
};
const PUBLISH_KAFKA_1X: ComponentMapping = {
  sluiceType: "PublishKafka",
  properties: {
    ...KAFKA_1X_CLIENT,
    topic: "topic",
    acks: { to: "acks", values: { all: "all", "1": "1", "0": "0" } },
    "compression.type": "compression",
    "kafka-key": "messageKey",
    "key-attribute-encoding": { to: "keyEncoding", values: { "utf-8": "utf-8", hex: "hex" } },
    "message-demarcator": { to: "demarcator", alsoSet: { contentFormat: "demarcated" } },
    "attribute-name-regex": "headerPattern",
    "use-transactions": { to: "transactional", values: BOOL },
    "transactional-id-prefix": "transactionalIdPrefix",
    "max.request.size": "maxRequestSize",
    "ack.wait.time": "ackWaitTime",
    partitioner: { drop: "Sluice partitions by key (the client's default)", nifiDefault: "org.apache.kafka.clients.producer.internals.DefaultPartitioner" },
    partition: { drop: "Sluice partitions by key (the client's default)" },
    "max.block.ms": { drop: "set the timeouts on a KafkaConnection service", nifiDefault: "5 sec" },
  },
};

/** NiFi processor class → Sluice processor. */
export const PROCESSOR_MAPPINGS: Readonly<Record<string, ComponentMapping>> = {
  [`${STANDARD}GenerateFlowFile`]: {
    sluiceType: "GenerateFlowFile",
    properties: {
      "File Size": "fileSize",
      "Batch Size": "batchSize",
      "Data Format": "dataFormat",
      "Unique FlowFiles": { to: "uniqueFlowFiles", values: BOOL },
      "generate-ff-custom-text": "customText",
      "Custom Text": "customText",
      "mime-type": "mimeType",
      "Mime Type": "mimeType",
      "character-set": CHARSET_DROPPED,
      "Character Set": CHARSET_DROPPED,
    },
  },
  [`${STANDARD}LogAttribute`]: {
    sluiceType: "LogAttribute",
    properties: {
      "Log Level": { to: "logLevel", values: LOG_LEVELS },
      "Log Payload": { to: "logPayload", values: BOOL },
      "Log prefix": "logPrefix",
      "Log Prefix": "logPrefix",
      "attributes-to-log-regex": "attributesToLog",
      "Attributes to Log Regular Expression": "attributesToLog",
      "Attributes to Log": { to: "attributesToLog", convert: "csv-to-regex" },
      "Attributes to Ignore": { drop: "Sluice logs the attributes matching one regular expression; ignore lists are not supported" },
      "attributes-to-ignore-regex": { drop: "Sluice logs the attributes matching one regular expression; ignore lists are not supported" },
      "Attributes to Ignore Regular Expression": { drop: "Sluice logs the attributes matching one regular expression; ignore lists are not supported" },
      "Output Format": { drop: "Sluice logs one line per FlowFile", nifiDefault: "Line per Attribute" },
      "Log FlowFile Properties": { drop: "Sluice always logs the FlowFile's uuid and size", nifiDefault: "true" },
      "character-set": CHARSET_DROPPED,
      "Character Set": CHARSET_DROPPED,
    },
  },
  [`${STANDARD}LogMessage`]: {
    sluiceType: "LogMessage",
    properties: {
      "log-level": { to: "logLevel", values: LOG_LEVELS },
      "Log Level": { to: "logLevel", values: LOG_LEVELS },
      "log-prefix": "logPrefix",
      "Log Prefix": "logPrefix",
      "log-message": "logMessage",
      "Log Message": "logMessage",
    },
  },
  "org.apache.nifi.processors.attributes.UpdateAttribute": {
    sluiceType: "UpdateAttribute",
    properties: {
      "Delete Attributes Expression": "deleteAttributes",
      "Store State": { drop: "Sluice's UpdateAttribute keeps no state", nifiDefault: "Do not store state" },
      "Stateful Variables Initial Value": { drop: "Sluice's UpdateAttribute keeps no state" },
      "canonical-value-lookup-cache-size": { drop: "not needed in Sluice", nifiDefault: "100" },
      "Cache Value Lookup Cache Size": { drop: "not needed in Sluice", nifiDefault: "100" },
    },
    sluiceOnlyRelationships: [],
    relationships: { "set state fail": null },
  },
  [`${STANDARD}RouteOnAttribute`]: {
    sluiceType: "RouteOnAttribute",
    properties: { "Routing Strategy": "strategy" },
  },
  [`${STANDARD}ReplaceText`]: {
    sluiceType: "ReplaceText",
    properties: {
      "Replacement Strategy": "replacementStrategy",
      "Regular Expression": "searchValue",
      "Search Value": "searchValue",
      "Replacement Value": "replacementValue",
      "Text to Prepend": "prependText",
      "Text to Append": "appendText",
      "Character Set": "characterSet",
      "Maximum Buffer Size": "maxBufferSize",
      "Evaluation Mode": "evaluationMode",
      "Line-by-Line Evaluation Mode": "lineByLineEvaluationMode",
    },
  },
  [`${STANDARD}CompressContent`]: {
    sluiceType: "CompressContent",
    properties: {
      Mode: "mode",
      "Compression Format": "format",
      "Compression Level": "level",
      "Update Filename": { to: "updateFilename", values: BOOL },
    },
  },
  [`${STANDARD}PutFile`]: {
    sluiceType: "PutFile",
    properties: {
      Directory: "directory",
      "Conflict Resolution Strategy": "conflictResolution",
      "Create Missing Directories": { to: "createMissingDirectories", values: BOOL },
      "Maximum File Count": { drop: "Sluice's PutFile does not limit the files in the directory" },
      "Last Modified Time": { drop: "Sluice's PutFile does not set file times" },
      Permissions: { drop: "Sluice's PutFile does not set permissions" },
      Owner: { drop: "Sluice's PutFile does not set the owner" },
      Group: { drop: "Sluice's PutFile does not set the group" },
    },
  },
  [`${STANDARD}GetFile`]: {
    sluiceType: "GetFile",
    properties: {
      "Input Directory": "inputDirectory",
      "File Filter": "fileFilter",
      "Recurse Subdirectories": { to: "recurse", values: BOOL },
      "Keep Source File": { to: "keepSourceFile", values: BOOL },
      "Ignore Hidden Files": { to: "ignoreHiddenFiles", values: BOOL },
      "Minimum File Age": "minimumFileAge",
      "Batch Size": "batchSize",
      "Path Filter": { drop: "Sluice's GetFile filters file names only" },
      "Maximum File Age": { drop: "Sluice's GetFile has a minimum file age only" },
      "Minimum File Size": { drop: "Sluice's GetFile does not filter by size", nifiDefault: "0 B" },
      "Maximum File Size": { drop: "Sluice's GetFile does not filter by size" },
      "Polling Interval": { drop: "use the run schedule", nifiDefault: "0 sec" },
    },
  },
  [`${STANDARD}ListFile`]: {
    sluiceType: "ListFile",
    properties: {
      "Input Directory": "inputDirectory",
      "Recurse Subdirectories": { to: "recurse", values: BOOL },
      "File Filter": "fileFilter",
      "Path Filter": "pathFilter",
      "Include File Attributes": { to: "includeFileAttributes", values: BOOL },
      "Minimum File Age": "minimumFileAge",
      "Maximum File Age": "maximumFileAge",
      "Minimum File Size": "minimumFileSize",
      "Maximum File Size": "maximumFileSize",
      "Ignore Hidden Files": { to: "ignoreHiddenFiles", values: BOOL },
      "Listing Strategy": { to: "listingStrategy", values: { timestamps: "Tracking Timestamps", entities: "Tracking Entities", none: "No Tracking" } },
      "listing-strategy": { to: "listingStrategy", values: { timestamps: "Tracking Timestamps", entities: "Tracking Entities", none: "No Tracking" } },
      "Input Directory Location": { drop: "Sluice lists local directories", nifiDefault: "Local" },
      "Track Performance": { drop: "not available in Sluice", nifiDefault: "false" },
    },
  },
  [`${STANDARD}FetchFile`]: {
    sluiceType: "FetchFile",
    properties: {
      "File to Fetch": "fileToFetch",
      "Completion Strategy": "completionStrategy",
      "Move Destination Directory": "moveDestination",
      "Move Conflict Strategy": "moveConflictStrategy",
      "File not Found Log Level": { to: "logLevelNotFound", values: LOG_LEVELS },
      "Log level when file not found": { to: "logLevelNotFound", values: LOG_LEVELS },
      "Permission Denied Log Level": { to: "logLevelPermissionDenied", values: LOG_LEVELS },
      "Log level when permission denied": { to: "logLevelPermissionDenied", values: LOG_LEVELS },
    },
  },
  [`${STANDARD}EvaluateJsonPath`]: {
    sluiceType: "EvaluateJsonPath",
    properties: {
      Destination: "destination",
      "Return Type": "returnType",
      "Path Not Found Behavior": "pathNotFoundBehavior",
      "Null Value Representation": "nullValueRepresentation",
      "Max String Length": { drop: "Sluice bounds content by the FlowFile size", nifiDefault: "20 MB" },
    },
  },
  [`${STANDARD}SplitJson`]: {
    sluiceType: "SplitJson",
    properties: {
      "JsonPath Expression": "jsonPath",
      "Null Value Representation": "nullValueRepresentation",
      "Max String Length": { drop: "Sluice bounds content by the FlowFile size", nifiDefault: "20 MB" },
    },
  },
  [`${STANDARD}SplitText`]: {
    sluiceType: "SplitText",
    properties: {
      "Line Split Count": "lineSplitCount",
      "Maximum Fragment Size": "maxFragmentSize",
      "Header Line Count": "headerLineCount",
      "Header Line Marker Characters": "headerMarker",
      "Remove Trailing Newlines": { to: "removeTrailingNewlines", values: BOOL },
    },
  },
  [`${STANDARD}MergeContent`]: {
    sluiceType: "MergeContent",
    properties: {
      "Merge Strategy": "mergeStrategy",
      "Merge Format": "mergeFormat",
      "Attribute Strategy": "attributeStrategy",
      "Correlation Attribute Name": "correlationAttribute",
      "Minimum Number of Entries": "minEntries",
      "Maximum Number of Entries": "maxEntries",
      "Minimum Group Size": "minSize",
      "Maximum Group Size": "maxSize",
      "Max Bin Age": "maxBinAge",
      "Maximum number of Bins": "maxBins",
      "Delimiter Strategy": "delimiterStrategy",
      "Header File": "header",
      Header: "header",
      "Footer File": "footer",
      Footer: "footer",
      "Demarcator File": "demarcator",
      Demarcator: "demarcator",
      "Compression Level": { drop: "Sluice merges by binary concatenation only", nifiDefault: "1" },
      "Keep Path": { drop: "Sluice merges by binary concatenation only", nifiDefault: "false" },
      "Tar Modified Time": { drop: "Sluice merges by binary concatenation only", nifiDefault: "${file.lastModifiedTime}" },
      "mergecontent-metadata-strategy": { drop: "Sluice merges by binary concatenation only", nifiDefault: "Do Not Merge Uncommon Metadata" },
      "Metadata Strategy": { drop: "Sluice merges by binary concatenation only", nifiDefault: "Do Not Merge Uncommon Metadata" },
    },
  },
  [`${STANDARD}ExtractText`]: {
    sluiceType: "ExtractText",
    properties: {
      "Character Set": "characterSet",
      "Maximum Buffer Size": "maxBufferSize",
      "Maximum Capture Group Length": "maxCaptureGroupLength",
      "Include Capture Group 0": { to: "includeCaptureGroupZero", values: BOOL },
      "extract-text-enable-repeating-capture-group": { to: "enableRepeatingCaptureGroup", values: BOOL },
      "Enable Repeating Capture Group": { to: "enableRepeatingCaptureGroup", values: BOOL },
      "Enable Case-insensitive Matching": { to: "caseInsensitive", values: BOOL },
      "Enable Multiline Mode": { to: "multiline", values: BOOL },
      "Enable DOTALL Mode": { to: "dotall", values: BOOL },
      "Enable Canonical Equivalence": { drop: "not supported by Sluice's regular expressions", nifiDefault: "false" },
      "Permit Whitespace and Comments in Pattern": { drop: "not supported by Sluice's regular expressions", nifiDefault: "false" },
      "Enable Literal Parsing of the Pattern": { drop: "not supported by Sluice's regular expressions", nifiDefault: "false" },
      "Enable Unicode-aware Case Folding": { drop: "not supported by Sluice's regular expressions", nifiDefault: "false" },
      "Enable Unicode Predefined Character Classes": { drop: "not supported by Sluice's regular expressions", nifiDefault: "false" },
      "Enable Unix Lines Mode": { drop: "not supported by Sluice's regular expressions", nifiDefault: "false" },
      "extract-text-enable-named-groups": { drop: "Sluice names attributes by group number", nifiDefault: "false" },
      "Enable Named Groups": { drop: "Sluice names attributes by group number", nifiDefault: "false" },
    },
  },
  [`${STANDARD}RouteOnContent`]: {
    sluiceType: "RouteOnContent",
    properties: { "Match Requirement": "matchRequirement", "Character Set": "characterSet", "Content Buffer Size": "bufferSize" },
    sluiceOnlyRelationships: ["failure"],
  },
  [`${STANDARD}RouteText`]: {
    sluiceType: "RouteText",
    properties: {
      "Routing Strategy": "routingStrategy",
      "Matching Strategy": "matchingStrategy",
      "Character Set": "characterSet",
      "Ignore Leading/Trailing Whitespace": { to: "ignoreWhitespace", values: BOOL },
      "Ignore Case": { to: "ignoreCase", values: BOOL },
      "Grouping Regular Expression": "groupingRegex",
    },
    sluiceOnlyRelationships: ["failure"],
  },
  [`${STANDARD}AttributesToJSON`]: {
    sluiceType: "AttributesToJSON",
    properties: {
      "Attributes List": "attributesList",
      "attributes-to-json-regex": "attributesRegex",
      "Attributes Regular Expression": "attributesRegex",
      Destination: "destination",
      "Include Core Attributes": { to: "includeCoreAttributes", values: BOOL },
      "Null Value": { to: "nullValue", values: BOOL },
      "JSON Handling Strategy": "jsonHandling",
      "Pretty Print": { to: "prettyPrint", values: BOOL },
    },
    relationships: { failure: null },
  },
  [`${STANDARD}Base64EncodeContent`]: {
    sluiceType: "Base64EncodeContent",
    properties: { Mode: "mode" },
  },
  [`${STANDARD}ConvertRecord`]: {
    sluiceType: "ConvertRecord",
    properties: {
      "record-reader": { to: "recordReader", fromService: RECORD_READERS },
      "Record Reader": { to: "recordReader", fromService: RECORD_READERS },
      "record-writer": { to: "recordWriter", fromService: RECORD_WRITERS },
      "Record Writer": { to: "recordWriter", fromService: RECORD_WRITERS },
      "include-zero-record-flowfiles": { drop: "Sluice always writes a FlowFile, even with zero records", nifiDefault: "true" },
      "Include Zero Record FlowFiles": { drop: "Sluice always writes a FlowFile, even with zero records", nifiDefault: "true" },
    },
    note: "Sluice's ConvertRecord reads and writes JSON and CSV without a schema (types are inferred when Infer Types is on): NiFi's schema settings are not used",
  },
  [`${STANDARD}CryptographicHashContent`]: {
    sluiceType: "HashContent",
    properties: { "Hash Algorithm": "algorithm", "Fail When Content Empty": { to: "failIfEmpty", values: BOOL }, fail_when_empty: { to: "failIfEmpty", values: BOOL } },
    note: 'NiFi writes the hash to the attribute "content_<algorithm>"; Sluice writes it to "hash.value" unless Hash Attribute Name says otherwise',
  },
  [`${STANDARD}InvokeHTTP`]: {
    sluiceType: "InvokeHTTP",
    properties: {
      "HTTP Method": "method",
      "HTTP URL": "url",
      "Remote URL": "url",
      "Socket Read Timeout": "timeout",
      "Read Timeout": "timeout",
      "Request Content-Type": "contentType",
      "Content-Type": "contentType",
      "Request Body Enabled": { to: "sendBody", values: BOOL },
      "send-message-body": { to: "sendBody", values: BOOL },
      "Request Header Attributes Pattern": "attributesToSend",
      "Attributes to Send": "attributesToSend",
      "Response Redirects Enabled": { to: "followRedirects", values: BOOL },
      "Follow Redirects": { to: "followRedirects", values: BOOL },
      "Response Generation Required": { to: "alwaysOutputResponse", values: BOOL },
      "Always Output Response": { to: "alwaysOutputResponse", values: BOOL },
      "Response Body Attribute Name": "responseBodyAttribute",
      "Put Response Body In Attribute": "responseBodyAttribute",
      "Response Body Attribute Size": "responseBodyAttributeSize",
      "Request Failure Penalization Enabled": { to: "penalizeNoRetry", values: BOOL },
      "Penalize on \"No Retry\"": { to: "penalizeNoRetry", values: BOOL },
      "Connection Timeout": { drop: "Sluice has one request timeout", nifiDefault: "5 secs" },
      "Socket Write Timeout": { drop: "Sluice has one request timeout", nifiDefault: "15 secs" },
      "Socket Idle Timeout": { drop: "Sluice manages idle connections itself", nifiDefault: "5 mins" },
      "Socket Idle Connections": { drop: "Sluice manages idle connections itself", nifiDefault: "5" },
      "HTTP/2 Disabled": { drop: "Sluice chooses the protocol itself", nifiDefault: "False" },
      "Request Date Header Enabled": { drop: "not available in Sluice", nifiDefault: "True" },
    },
  },
  [`${STANDARD}ListenHTTP`]: {
    sluiceType: "ListenHTTP",
    properties: {
      "Base Path": "basePath",
      "Listening Port": "port",
      "Return Code": "returnCode",
      "HTTP Headers to receive as Attributes (Regex)": "headersAsAttributes",
      "HTTP Headers for Attributes": "headersAsAttributes",
      "Max Unconfirmed Flowfile Time": { drop: "Sluice bounds unconfirmed requests by count", nifiDefault: "60 secs" },
      "Max Data to Receive per Second": { drop: "use ControlRate downstream" },
      "Maximum Thread Pool Size": { drop: "not needed in Sluice", nifiDefault: "200" },
      "Request Header Maximum Size": { drop: "not available in Sluice", nifiDefault: "8 KB" },
    },
  },
  [`${STANDARD}HandleHttpRequest`]: {
    sluiceType: "HandleHttpRequest",
    properties: {
      "Listening Port": "port",
      Hostname: "host",
      "Allowed Paths": "allowedPaths",
      "Allow GET": { to: "allowGet", values: BOOL },
      "Allow POST": { to: "allowPost", values: BOOL },
      "Allow PUT": { to: "allowPut", values: BOOL },
      "Allow DELETE": { to: "allowDelete", values: BOOL },
      "Allow HEAD": { to: "allowHead", values: BOOL },
      "Allow OPTIONS": { to: "allowOptions", values: BOOL },
      "Additional HTTP Methods": "additionalMethods",
      "container-queue-size": "containerQueueSize",
      "Container Queue Size": "containerQueueSize",
      "HTTP Context Map": { drop: "Sluice pairs HandleHttpRequest and HandleHttpResponse itself" },
      "Maximum Threads": { drop: "not needed in Sluice", nifiDefault: "200" },
      "Default URL Character Set": CHARSET_DROPPED,
    },
  },
  [`${STANDARD}HandleHttpResponse`]: {
    sluiceType: "HandleHttpResponse",
    properties: {
      "HTTP Status Code": "statusCode",
      "Attributes to add to the HTTP Response (Regex)": "attributesAsHeaders",
      "Attributes for HTTP Response": "attributesAsHeaders",
      "HTTP Context Map": { drop: "Sluice pairs HandleHttpRequest and HandleHttpResponse itself" },
    },
  },
  [`${STANDARD}ControlRate`]: {
    sluiceType: "ControlRate",
    properties: {
      "Rate Control Criteria": { to: "criteria", values: { "data rate": "data rate", "flowfile count": "flowfile count", "attribute value": "attribute value" } },
      "Maximum Rate": "maxRate",
      "Rate Controlled Attribute": "rateControlledAttribute",
      "Time Duration": "timeDuration",
      "Grouping Attribute": "groupingAttribute",
      "Rate Exceeded Strategy": { drop: "Sluice holds FlowFiles over the rate in the queue", nifiDefault: "Hold FlowFile" },
    },
    relationships: { "rate exceeded": null },
  },
  [`${STANDARD}DetectDuplicate`]: {
    sluiceType: "DetectDuplicate",
    properties: {
      "Cache Entry Identifier": "cacheEntryIdentifier",
      "FlowFile Description": "flowFileDescription",
      "Age Off Duration": "ageOffDuration",
      "Cache The Entry Identifier": { to: "cacheEntry", values: BOOL },
      "Distributed Cache Service": { drop: "Sluice uses its own cache (Redis in a cluster)" },
    },
  },
  [`${STANDARD}Wait`]: {
    sluiceType: "Wait",
    properties: {
      "Release Signal Identifier": "releaseSignalIdentifier",
      "Target Signal Count": "targetSignalCount",
      "Signal Counter Name": "signalCounterName",
      "Releasable FlowFile Count": "releasableFlowFileCount",
      "Expiration Duration": "expirationDuration",
      "Wait Mode": "waitMode",
      "Distributed Cache Service": { drop: "Sluice uses its own cache (Redis in a cluster)" },
      "Wait Buffer Count": { drop: "not needed in Sluice", nifiDefault: "1" },
      "Attribute Copy Mode": { drop: "Sluice keeps the waiting FlowFile's attributes", nifiDefault: "Keep original" },
    },
  },
  [`${STANDARD}Notify`]: {
    sluiceType: "Notify",
    properties: {
      "Release Signal Identifier": "releaseSignalIdentifier",
      "Signal Counter Name": "signalCounterName",
      "Signal Counter Delta": "signalCounterDelta",
      "Attribute Cache Regular Expression": "attributeCacheRegex",
      "Distributed Cache Service": { drop: "Sluice uses its own cache (Redis in a cluster)" },
      "Signal Buffer Count": { drop: "not needed in Sluice", nifiDefault: "1" },
    },
  },
  [`${STANDARD}RetryFlowFile`]: {
    sluiceType: "RetryFlowFile",
    properties: {
      "Retry Attribute": "retryAttribute",
      "Maximum Retries": "maximumRetries",
      "Penalize Retries": { to: "penalizeRetries", values: BOOL },
      "Fail on Nonnumerical Overwrite": { to: "failOnNonNumerical", values: BOOL },
      "Reuse Mode": { to: "reuseMode", values: { fail: "Fail on Reuse", warn: "Warn on Reuse", reset: "Reset Reuse" } },
    },
  },
  "org.apache.nifi.processors.kafka.pubsub.ConsumeKafka_2_6": CONSUME_KAFKA_1X,
  "org.apache.nifi.processors.kafka.pubsub.ConsumeKafka_2_0": CONSUME_KAFKA_1X,
  "org.apache.nifi.processors.kafka.pubsub.ConsumeKafka_1_0": CONSUME_KAFKA_1X,
  "org.apache.nifi.processors.kafka.pubsub.PublishKafka_2_6": PUBLISH_KAFKA_1X,
  "org.apache.nifi.processors.kafka.pubsub.PublishKafka_2_0": PUBLISH_KAFKA_1X,
  "org.apache.nifi.processors.kafka.pubsub.PublishKafka_1_0": PUBLISH_KAFKA_1X,
  "org.apache.nifi.kafka.processors.ConsumeKafka": {
    sluiceType: "ConsumeKafka",
    properties: {
      "Kafka Connection Service": "kafkaConnection",
      "Group ID": "groupId",
      "Topic Format": { to: "topicFormat", values: { names: "names", pattern: "pattern" } },
      Topics: "topics",
      "auto.offset.reset": { to: "offsetReset", values: { earliest: "earliest", latest: "latest" } },
      "Header Name Pattern": "headerPattern",
      "Key Attribute Encoding": { to: "keyEncoding", values: { "utf-8": "utf-8", hex: "hex", "do-not-add": "utf-8" } },
      "Message Demarcator": "demarcator",
      "Processing Strategy": { to: "outputStrategy", values: { FLOW_FILE: "record", DEMARCATOR: "demarcated" } },
      "Commit Offsets": { drop: "Sluice commits offsets once a session is durable", nifiDefault: "true" },
      "Max Uncommitted Time": { drop: "Sluice commits offsets once a session is durable", nifiDefault: "100 millis" },
    },
  },
  "org.apache.nifi.kafka.processors.PublishKafka": {
    sluiceType: "PublishKafka",
    properties: {
      "Kafka Connection Service": "kafkaConnection",
      "Topic Name": "topic",
      "Kafka Key": "messageKey",
      "Kafka Key Attribute Encoding": { to: "keyEncoding", values: { "utf-8": "utf-8", hex: "hex" } },
      "FlowFile Attribute Header Pattern": "headerPattern",
      acks: { to: "acks", values: { DELIVERY_REPLICATED: "all", DELIVERY_ONE_NODE: "1", DELIVERY_BEST_EFFORT: "0", all: "all", "1": "1", "0": "0" } },
      "compression.type": "compression",
      "max.request.size": "maxRequestSize",
      "Transactions Enabled": { to: "transactional", values: BOOL },
      "Transactional ID Prefix": "transactionalIdPrefix",
      "Message Demarcator": "demarcator",
      "Failure Strategy": { drop: "Sluice routes failed FlowFiles to failure", nifiDefault: "Route to Failure" },
    },
  },
};

/** NiFi controller service class → Sluice service. Services not listed are kept as placeholders. */
export const SERVICE_MAPPINGS: Readonly<Record<string, ComponentMapping>> = {
  "org.apache.nifi.kafka.service.Kafka3ConnectionService": {
    sluiceType: "KafkaConnection",
    properties: {
      "bootstrap.servers": "bootstrapServers",
      "security.protocol": "securityProtocol",
      "sasl.mechanism": "saslMechanism",
      "sasl.username": "username",
      "sasl.password": "password",
      "default.api.timeout.ms": "requestTimeout",
      "SSL Context Service": { drop: "Sluice's KafkaConnection takes the CA, certificate and key directly" },
      "isolation.level": { drop: "Sluice reads committed messages when Honor Transactions is on", nifiDefault: "read_committed" },
      "max.poll.records": { drop: "set Max Records per Trigger on ConsumeKafka", nifiDefault: "10000" },
      "max.block.ms": { drop: "not available in Sluice", nifiDefault: "5 sec" },
      "ack.wait.time": { drop: "set Acknowledgment Wait Time on PublishKafka", nifiDefault: "5 sec" },
    },
  },
};

/** NiFi prioritizer class → Sluice prioritizer. */
export const PRIORITIZERS: Readonly<Record<string, "FIFO" | "OldestFirst" | "NewestFirst" | "PriorityAttribute">> = {
  "org.apache.nifi.prioritizer.FirstInFirstOutPrioritizer": "FIFO",
  "org.apache.nifi.prioritizer.OldestFlowFileFirstPrioritizer": "OldestFirst",
  "org.apache.nifi.prioritizer.NewestFlowFileFirstPrioritizer": "NewestFirst",
  "org.apache.nifi.prioritizer.PriorityAttributePrioritizer": "PriorityAttribute",
};

/** NiFi load-balance strategy → Sluice's. */
export const LOAD_BALANCE: Readonly<Record<string, "none" | "round-robin" | "partition-by-attribute" | "single-node">> = {
  DO_NOT_LOAD_BALANCE: "none",
  ROUND_ROBIN: "round-robin",
  PARTITION_BY_ATTRIBUTE: "partition-by-attribute",
  SINGLE_NODE: "single-node",
};

/**
 * NiFi's run duration keeps a processor in one session for up to that long; Sluice bounds a
 * trigger by a FlowFile count instead. A NiFi run duration above 0 asks for throughput over
 * latency, which in Sluice is a larger batch. 0 ms keeps Sluice's default.
 */
export const RUN_DURATION_BATCH_SIZE = 1000;
