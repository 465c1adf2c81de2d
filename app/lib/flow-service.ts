/**
 * The designer's server side: the flow store (Prisma) and the embedded engines (engine-client)
 * behind one set of operations that route handlers call after validating their input.
 *
 * Contract for every operation:
 * - it throws ApiError (status + one readable message, optionally field problems) for anything
 *   a user can cause; route handlers turn that into a 4xx answer;
 * - documents leaving it are masked (no sensitive value), documents entering it have their
 *   placeholders restored from the stored snapshot (only while the component's connection
 *   target is unchanged: secrets.ts);
 * - snapshots in the store (`Flow` and every `FlowRevision`) hold sensitive values encrypted
 *   (secret-key.ts); documents read from it are decrypted, so the node gets plain values;
 * - a save names the revision it read; a stale one is refused with 409, never merged;
 * - per flow, operations that touch the snapshot or the engine run one at a time.
 */
import path from "node:path";
import { getDb } from "./db";
import {
  catalog,
  FLOW_FORMAT_VERSION,
  isNodeError,
  localNode,
  nodeDataDir,
  parseFlowDocument,
  withFlowLock,
  type DeadLetter,
  type DeploymentSummary,
  type FlowAnalysis,
  type FlowDocument,
  type FlowProblem,
  type FlowStatus,
  type NodeApi,
  type NodeInfo,
  type QueuedFlowFile,
} from "./engine-client";
import { diffFlows, type FlowDiff } from "./flow-diff";
import { StoredSecretError, hasPlainSecrets, openDocument, sealDocument } from "./secret-key";
import { maskDocument, restoreSecrets, stripSecrets, type SensitiveMap } from "./secrets";
import { resolveSnapshot, withParameterProblems } from "./parameter-snapshot";
import { adoptImportedContexts, exportedContexts, withSensitiveReferences } from "./parameters";
import { uniqueFlowName } from "../components/import/unique-name";

/** An error a user can cause, with the HTTP status to answer and the field problems, if any. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    message: string,
    readonly problems: FlowProblem[] = [],
    /** Machine-readable reason where clients act on it: "stale" (revision) or a node error code. */
    readonly code?: string,
  ) {
    super(message);
  }
}

/**
 * An access check on a change (app/lib/auth/restricted.ts): called inside the flow's lock with
 * the stored document (null for a new flow) and the one about to be written, secrets restored,
 * before anything is written or deployed. It refuses by throwing an ApiError.
 */
export type DocumentGuard = (before: FlowDocument | null, after: FlowDocument) => Promise<void>;

/** The message a stale save gets (409). */
export const STALE_MESSAGE =
  "This flow was changed elsewhere (another tab or user) since you loaded it. Your change was not saved: reload to get the latest version, then redo it.";

/** A flow as the editor receives it. */
export interface EditorFlow {
  id: string;
  name: string;
  description: string | null;
  revision: number;
  updatedAt: string;
  /** Masked document. */
  document: FlowDocument;
  analysis: FlowAnalysis;
}

/** Result of a save or any operation that changes the snapshot. */
export interface SaveResult {
  revision: number;
  analysis: FlowAnalysis;
  /** Problems that keep the running engine on an older snapshot (empty when none). */
  pending: FlowProblem[];
  /** The saved document, masked (only for operations where the server changed it). */
  document?: FlowDocument;
  /** Secrets cleared because their component's connection target changed: they must be typed again. */
  secretsCleared?: FlowProblem[];
}

async function sensitiveMap(): Promise<SensitiveMap> {
  return (await catalog()).sensitive;
}

/** Where a flow's engine keeps its repositories (inside the local node's data dir). */
export function engineDataDir(flowId: string): string {
  return path.join(nodeDataDir(), flowId);
}

/** HTTP status for each node error code; the code itself goes to the client as `code`. */
const STATUS_OF_CODE: Record<string, number> = {
  "invalid-flow": 422,
  "not-deployed": 409,
  "not-found": 404,
  "queue-not-empty": 409,
  "invalid-state": 409,
  "bad-request": 400,
  "content-gone": 410,
  "not-replayable": 409,
  "data-dir-locked": 503,
  "node-unavailable": 503,
};

/**
 * Runs a node call and turns its NodeError into an ApiError by code (never by message text).
 * "internal" stays an error (a 500). `prefix` is put before the node's message.
 */
export async function nodeCall<T>(fn: (node: NodeApi) => Promise<T>, prefix = ""): Promise<T> {
  try {
    return await fn(await localNode());
  } catch (e) {
    if (isNodeError(e) && e.code !== "internal") {
      const problems = Array.isArray(e.details?.problems) ? (e.details.problems as FlowProblem[]) : [];
      throw new ApiError(STATUS_OF_CODE[e.code] ?? 500, prefix + e.message, problems, e.code);
    }
    throw e;
  }
}

/** The flow's deployment on the local node, or undefined. */
async function deployment(id: string): Promise<DeploymentSummary | undefined> {
  return (await nodeCall((n) => n.deployments())).find((d) => d.flowId === id);
}

async function analyze(doc: FlowDocument): Promise<FlowAnalysis> {
  const resolved = await resolveSnapshot(doc);
  return withParameterProblems(await nodeCall((n) => n.analyzeFlow(resolved.flow)), resolved);
}

/** What the node runs for `doc`: parameter references resolved (parameter-snapshot.ts). */
async function nodeSnapshot(doc: FlowDocument): Promise<FlowDocument> {
  return (await resolveSnapshot(doc)).flow;
}

function parseSnapshot(snapshot: string): FlowDocument {
  let json: unknown;
  try {
    json = JSON.parse(snapshot);
  } catch (e) {
    throw new ApiError(422, `the stored snapshot is not JSON: ${(e as Error).message}`);
  }
  const r = parseFlowDocument(json);
  if (!r.ok) throw new ApiError(422, "the stored snapshot is not a valid flow document", r.problems);
  try {
    return openDocument(r.flow);
  } catch (e) {
    if (e instanceof StoredSecretError) throw new ApiError(500, e.message, [{ path: e.path, message: "does not decrypt with the current key" }], "secret-key");
    throw e;
  }
}

/** The JSON text stored for `doc`: its sensitive values encrypted. */
async function snapshotText(input: FlowDocument): Promise<string> {
  return snapshotWith(input, await sensitiveFor(input));
}

/** What `snapshotWith` seals in `doc`: nothing to ask the node for when it has no components. */
async function sensitiveFor(doc: FlowDocument): Promise<SensitiveMap> {
  return doc.processors.length + doc.services.length > 0 ? await sensitiveMap() : {};
}

/** The stored text of a flow document, its sensitive values sealed per `sensitive`. */
function snapshotWith(input: FlowDocument, sensitive: SensitiveMap): string {
  // Parameter contexts live in their own tables; only the bindings stay in the flow.
  const { parameterContexts: _contexts, ...doc } = input;
  return JSON.stringify(sealDocument(doc, sensitive));
}

async function loadRow(id: string) {
  const row = await getDb().flow.findUnique({ where: { id } });
  if (!row) throw new ApiError(404, `no flow with id "${id}"`);
  return row;
}

function validateDocument(input: unknown): FlowDocument {
  const r = parseFlowDocument(input);
  if (!r.ok) {
    const first = r.problems.slice(0, 5).map((p) => `${p.path}: ${p.message}`).join("; ");
    throw new ApiError(400, `invalid flow document: ${first}${r.problems.length > 5 ? ` (and ${r.problems.length - 5} more)` : ""}`, r.problems);
  }
  return r.flow;
}

/**
 * Writes `doc` as revision `expected + 1` iff the stored revision is still `expected`.
 * Throws 404 / 409 (STALE_MESSAGE) otherwise.
 */
async function writeSnapshot(id: string, expected: number, doc: FlowDocument): Promise<number> {
  const db = getDb();
  const r = await db.flow.updateMany({
    where: { id, revision: expected },
    data: { snapshot: await snapshotText(doc), revision: expected + 1, name: doc.name, description: doc.description ?? null },
  });
  if (r.count === 1) return expected + 1;
  await loadRow(id);
  throw new ApiError(409, STALE_MESSAGE, [], "stale");
}

/**
 * Resumes a flow that has data on the node but is not deployed there (after a restart of the
 * server or of the node's worker). Returns its deployment, if it has one now.
 */
async function resumeIfDeployedBefore(id: string, doc: FlowDocument, revision: number): Promise<DeploymentSummary | undefined> {
  const d = await deployment(id);
  if (d) return d;
  if (!(await nodeCall((n) => n.hasData(id)))) return undefined;
  if (!(await analyze(doc)).deployable) return undefined;
  const snapshot = await nodeSnapshot(doc);
  return nodeCall((n) => n.deploy({ flowId: id, revision, snapshot }));
}

function slug(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return s || "flow";
}

/** Creates an empty flow. */
export async function createFlow(input: { name: string; description?: string }): Promise<{ id: string }> {
  const doc: FlowDocument = {
    sluice: FLOW_FORMAT_VERSION,
    id: `${slug(input.name)}-${Date.now().toString(36)}`,
    name: input.name,
    description: input.description || undefined,
    processors: [],
    connections: [],
    groups: [],
    services: [],
  };
  const row = await getDb().flow.create({ data: { name: doc.name, description: doc.description ?? null, snapshot: await snapshotText(doc) } });
  return { id: row.id };
}

/**
 * Imports a flow file (the format `sluice run` reads) as a new flow. Structural problems are
 * refused with 400 and their field paths; semantic ones (unconnected relationships...) are kept
 * and shown on the canvas.
 */
export async function importFlow(
  input: unknown,
  name?: string,
  guard?: DocumentGuard,
): Promise<{ id: string; name: string; renamedFrom?: string; problems: FlowProblem[] }> {
  const parsed = validateDocument(input);
  // A name in use gets " (2)", " (3)"... here, whoever calls (the flow list picks the same name
  // before it posts; an API client did not, and got two flows nobody could tell apart).
  const wanted = (name ?? parsed.name).trim();
  // Names only: listFlows would read and parse every flow's snapshot for its summary.
  const taken = await getDb().flow.findMany({ select: { name: true } });
  parsed.name = uniqueFlowName(wanted, taken.map((f) => f.name));
  await guard?.(null, parsed);
  // Asked before the transaction: it may wait for the node, and the transaction holds the store.
  const sensitive = await sensitiveFor(parsed);
  // One transaction: contexts the file brings are not left behind by a flow that was not stored.
  const { row, doc } = await getDb().$transaction(async (tx) => {
    const doc = await adoptImportedContexts(parsed, tx);
    const row = await tx.flow.create({ data: { name: doc.name, description: doc.description ?? null, snapshot: snapshotWith(doc, sensitive) } });
    return { row, doc };
  });
  const analysis = await analyze(doc);
  return { id: row.id, name: doc.name, renamedFrom: doc.name === wanted ? undefined : wanted, problems: analysis.problems };
}

/** The flow for the editor (masked), with its analysis. */
export async function getEditorFlow(id: string): Promise<EditorFlow> {
  const row = await loadRow(id);
  const doc = parseSnapshot(row.snapshot);
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    revision: row.revision,
    updatedAt: row.updatedAt.toISOString(),
    document: maskDocument(doc, await sensitiveMap()),
    analysis: await analyze(doc),
  };
}

/**
 * Saves the editor's document as the next revision and brings a deployed engine to it.
 * 400: not a flow document (field paths); 409: stale revision, or a removed connection still
 * holds FlowFiles ("empty the queue first") — in both cases nothing is saved.
 */
export async function saveFlow(id: string, revision: number, input: unknown, guard?: DocumentGuard): Promise<SaveResult> {
  const incoming = validateDocument(input);
  return withFlowLock(id, async () => {
    const row = await loadRow(id);
    if (row.revision !== revision) throw new ApiError(409, STALE_MESSAGE, [], "stale");
    const stored = parseSnapshot(row.snapshot);
    const sensitive = await sensitiveMap();
    const { document: doc, cleared } = restoreSecrets(incoming, stored, sensitive);
    await guard?.(stored, doc);
    const deployed = await resumeIfDeployedBefore(id, stored, row.revision);
    // Phase one: the node says whether it can take the snapshot before anything is saved.
    const snapshot = await nodeSnapshot(doc);
    if (deployed) await nodeCall((n) => n.checkDeploy({ flowId: id, revision: revision + 1, snapshot }));
    const next = await writeSnapshot(id, revision, doc);
    const analysis = await analyze(doc);
    const d = deployed ? await nodeCall((n) => n.deploy({ flowId: id, revision: next, snapshot }), "Saved, but the running flow could not take the change: ") : undefined;
    if (!cleared.length) return { revision: next, analysis, pending: d?.pending ?? [] };
    return { revision: next, analysis, pending: d?.pending ?? [], document: maskDocument(doc, sensitive), secretsCleared: cleared };
  });
}

/** Renames a flow (and its document), as a new revision. */
export async function renameFlow(id: string, input: { name: string; description?: string | null; revision?: number }): Promise<{ revision: number }> {
  return withFlowLock(id, async () => {
    const row = await loadRow(id);
    if (input.revision !== undefined && input.revision !== row.revision) throw new ApiError(409, STALE_MESSAGE, [], "stale");
    const doc = parseSnapshot(row.snapshot);
    doc.name = input.name;
    if (input.description !== undefined) doc.description = input.description || undefined;
    const revision = await writeSnapshot(id, row.revision, doc);
    return { revision };
  });
}

/** Deletes a flow, its versions, its engine and the engine's data. */
export async function deleteFlow(id: string): Promise<void> {
  await withFlowLock(id, async () => {
    await loadRow(id);
    await nodeCall((n) => n.undeploy(id, { removeData: true }));
    await getDb().flow.delete({ where: { id } });
  });
}

/** The flow file for download: exactly the format `sluice run` reads, without sensitive values. */
export async function exportFlow(id: string): Promise<{ fileName: string; document: FlowDocument }> {
  const row = await loadRow(id);
  const doc = parseSnapshot(row.snapshot);
  const contexts = await exportedContexts(doc);
  const document = withSensitiveReferences(stripSecrets(doc, await sensitiveMap()), doc);
  return { fileName: `${slug(doc.name)}.flow.json`, document: contexts.length ? { ...document, parameterContexts: contexts } : document };
}

/**
 * Starts or stops the whole flow (`processors` omitted) or some processors. Run states are part
 * of the snapshot (a restart resumes them), so this saves a new revision. Starting deploys the
 * flow when it has no engine yet. Invalid processors are not started; they are listed in
 * `failures` with the reason.
 */
export async function runFlow(
  id: string,
  input: { action: "start" | "stop"; processors?: string[] },
  guard?: DocumentGuard,
): Promise<SaveResult & { failures: Array<{ id: string; message: string }> }> {
  return withFlowLock(id, async () => {
    const row = await loadRow(id);
    const doc = parseSnapshot(row.snapshot);
    const known = new Set(doc.processors.map((p) => p.id));
    const unknown = (input.processors ?? []).filter((p) => !known.has(p));
    if (unknown.length) throw new ApiError(404, `no processor with id ${unknown.map((u) => `"${u}"`).join(", ")} in this flow`);
    const wanted = new Set(input.processors ?? doc.processors.map((p) => p.id));
    const analysis = await analyze(doc);
    const failures: Array<{ id: string; message: string }> = [];
    if (input.action === "start" && !analysis.deployable) {
      throw new ApiError(422, "The flow cannot be deployed until these problems are fixed", analysis.problems.filter((p) => !p.path.startsWith("processors[")));
    }
    for (const p of doc.processors) {
      if (!wanted.has(p.id) || p.state === "disabled") continue;
      if (input.action === "start") {
        const problems = analysis.processors[p.id]?.problems ?? [];
        if (problems.length) {
          failures.push({ id: p.id, message: `${p.name ?? p.type} is invalid: ${problems.map((x) => x.message).join("; ")}` });
          continue;
        }
        p.state = "running";
      } else p.state = "stopped";
    }
    await guard?.(parseSnapshot(row.snapshot), doc);
    const revision = await writeSnapshot(id, row.revision, doc);
    const deployed = await resumeIfDeployedBefore(id, doc, revision);
    let d: DeploymentSummary | undefined = deployed;
    if (input.action === "start" || deployed) {
      const snapshot = await nodeSnapshot(doc);
      d = await nodeCall((n) => n.deploy({ flowId: id, revision, snapshot }));
    }
    return { revision, analysis, pending: d?.pending ?? [], failures, document: maskDocument(doc, await sensitiveMap()) };
  });
}

/** One status frame for the live canvas. */
export interface LiveStatus {
  revision: number;
  deployed: boolean;
  status: FlowStatus | null;
  pending: FlowProblem[];
  at: number;
}

/**
 * Resumes the flow's engine when it ran before this server started (its data dir exists), so
 * the live view and queues are there after a restart. Errors are swallowed: the canvas shows the
 * flow as not deployed.
 */
export async function resumeFlow(id: string): Promise<void> {
  await withFlowLock(id, async () => {
    const row = await loadRow(id);
    await resumeIfDeployedBefore(id, parseSnapshot(row.snapshot), row.revision);
  }).catch(() => undefined);
}

/**
 * Encrypts the sensitive values that a Sluice without encryption at rest stored in plain text,
 * in `Flow` and every `FlowRevision`, in one transaction, then compacts the database (VACUUM) so
 * the plain text does not stay in its free pages. A row changed meanwhile, or holding a value
 * that does not decrypt, is left as is. Idempotent; returns how many rows it rewrote.
 */
export async function sealPlainSecrets(): Promise<number> {
  const db = getDb();
  const sensitive = await sensitiveMap();
  const resealed = (snapshot: string): string | null => {
    let json: unknown;
    try {
      json = JSON.parse(snapshot);
    } catch {
      return null;
    }
    const r = parseFlowDocument(json);
    if (!r.ok || !hasPlainSecrets(r.flow, sensitive)) return null;
    try {
      return JSON.stringify(sealDocument(openDocument(r.flow), sensitive));
    } catch (e) {
      // Its other secrets do not decrypt: opening the flow reports that; leave the row as is.
      if (e instanceof StoredSecretError) return null;
      throw e;
    }
  };
  const updates = [];
  for (const f of await db.flow.findMany({ select: { id: true, snapshot: true } })) {
    const text = resealed(f.snapshot);
    if (text) updates.push(db.$executeRaw`UPDATE "Flow" SET "snapshot" = ${text} WHERE "id" = ${f.id} AND "snapshot" = ${f.snapshot}`);
  }
  for (const v of await db.flowRevision.findMany({ select: { id: true, snapshot: true } })) {
    const text = resealed(v.snapshot);
    if (text) updates.push(db.$executeRaw`UPDATE "FlowRevision" SET "snapshot" = ${text} WHERE "id" = ${v.id}`);
  }
  if (!updates.length) return 0;
  const changed = (await db.$transaction(updates)).reduce((a, b) => a + b, 0);
  await db.$executeRawUnsafe("VACUUM");
  return changed;
}

/**
 * Resumes every flow that had an engine before the server stopped, as NiFi restores its
 * flow on restart: processors that were running run again, queues are recovered. Called once
 * at server start (instrumentation.ts). A flow that cannot resume is logged and skipped.
 * First encrypts secrets left in plain text by an older version (sealPlainSecrets).
 */
export async function resumeAllFlows(): Promise<number> {
  try {
    const sealed = await sealPlainSecrets();
    if (sealed > 0) console.log(`sluice: encrypted the plain-text secrets of ${sealed} stored snapshot${sealed === 1 ? "" : "s"}`);
  } catch (e) {
    console.error(`sluice: could not encrypt plain-text secrets: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
  }
  const rows = await getDb().flow.findMany({ select: { id: true } });
  let resumed = 0;
  for (const { id } of rows) {
    try {
      const d = await withFlowLock(id, async () => {
        const row = await loadRow(id);
        return resumeIfDeployedBefore(id, parseSnapshot(row.snapshot), row.revision);
      });
      if (d) resumed++;
    } catch (e) {
      console.error(`sluice: could not resume flow ${id}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return resumed;
}

/** The current live status of a flow (cheap: no lock, no database when `revision` is given). */
export async function liveStatus(id: string): Promise<LiveStatus> {
  const row = await getDb().flow.findUnique({ where: { id }, select: { revision: true } });
  if (!row) throw new ApiError(404, `no flow with id "${id}"`);
  const status = await nodeCall((n) => n.status(id)).catch((e: unknown) => {
    if (e instanceof ApiError && e.code === "not-deployed") return null;
    throw e;
  });
  return { revision: row.revision, deployed: status !== null, status, pending: status?.pending ?? [], at: Date.now() };
}

/** The flow's status frame for `status`: resolves null when the flow is not deployed. */
export function subscribeStatus(id: string, listener: (s: FlowStatus | null) => void): Promise<() => void> {
  return localNode().then((n) =>
    n.subscribe(id, (e) => {
      if (e.type === "status") listener(e.status);
      else if (e.type === "undeployed") listener(null);
    }),
  );
}

const NOT_DEPLOYED = "The flow is not deployed: start it first (its queues exist only while it is deployed).";

async function requireDeployed(id: string): Promise<void> {
  await resumeFlow(id);
  if (!(await deployment(id))) throw new ApiError(409, NOT_DEPLOYED, [], "not-deployed");
}

/** The first 100 FlowFiles of a connection's queue. Empty when the flow was never deployed. */
export async function listQueue(id: string, connectionId: string): Promise<{ flowFiles: QueuedFlowFile[]; queued: { count: number; bytes: number } }> {
  const row = await loadRow(id);
  const doc = parseSnapshot(row.snapshot);
  if (!doc.connections.some((c) => c.id === connectionId)) throw new ApiError(404, `no connection with id "${connectionId}" in this flow`);
  await resumeFlow(id);
  if (!(await deployment(id))) return { flowFiles: [], queued: { count: 0, bytes: 0 } };
  const [flowFiles, status] = await Promise.all([nodeCall((n) => n.listQueue(id, connectionId, 100)), nodeCall((n) => n.status(id))]);
  return { flowFiles, queued: status.connections.find((c) => c.id === connectionId)?.queued ?? { count: 0, bytes: 0 } };
}

/** Attributes and content of a queued FlowFile. */
export async function queuedFlowFile(id: string, connectionId: string, uuid: string): Promise<{ attributes: Record<string, string>; content: Buffer }> {
  await requireDeployed(id);
  const r = await nodeCall((n) => n.queuedContent(id, connectionId, uuid));
  return { attributes: r.attributes, content: Buffer.from(r.content.buffer, r.content.byteOffset, r.content.byteLength) };
}

/** Drops every queued FlowFile of a connection; returns how many. */
export async function emptyQueue(id: string, connectionId: string): Promise<number> {
  return withFlowLock(id, async () => {
    const row = await loadRow(id);
    if (!(await resumeIfDeployedBefore(id, parseSnapshot(row.snapshot), row.revision))) return 0;
    return nodeCall((n) => n.emptyQueue(id, connectionId));
  });
}

/** A distributed connection's dead-letter list; empty while the flow is not deployed. */
export async function deadLetters(id: string, connectionId: string): Promise<DeadLetter[]> {
  const row = await loadRow(id);
  const doc = parseSnapshot(row.snapshot);
  if (!doc.connections.some((c) => c.id === connectionId)) throw new ApiError(404, `no connection with id "${connectionId}" in this flow`);
  if (!(await deployment(id))) return [];
  return nodeCall((n) => n.deadLetters(id, connectionId));
}

/** Retries or drops one dead-lettered batch of a distributed connection. */
export async function resolveDeadLetter(id: string, connectionId: string, batchId: string, action: "retry" | "drop"): Promise<void> {
  return withFlowLock(id, async () => {
    const row = await loadRow(id);
    const doc = parseSnapshot(row.snapshot);
    if (!doc.connections.some((c) => c.id === connectionId)) throw new ApiError(404, `no connection with id "${connectionId}" in this flow`);
    if (!(await deployment(id))) throw new ApiError(409, "the flow is not deployed, so it has no dead-letter list");
    await nodeCall((n) => n.resolveDeadLetter(id, connectionId, batchId, action));
  });
}

/** One committed version, without its snapshot. */
export interface VersionSummary {
  version: number;
  message: string;
  createdAt: string;
  processors: number;
  connections: number;
}

/** Commits the current snapshot as the next version. */
export async function commitVersion(id: string, message: string): Promise<VersionSummary> {
  return withFlowLock(id, async () => {
    const db = getDb();
    const row = await loadRow(id);
    const doc = parseSnapshot(row.snapshot);
    const last = await db.flowRevision.findFirst({ where: { flowId: id }, orderBy: { version: "desc" }, select: { version: true } });
    const v = await db.flowRevision.create({ data: { flowId: id, version: (last?.version ?? 0) + 1, message, snapshot: await snapshotText(doc) } });
    return { version: v.version, message: v.message, createdAt: v.createdAt.toISOString(), processors: doc.processors.length, connections: doc.connections.length };
  });
}

/** Every committed version, newest first. */
export async function listVersions(id: string): Promise<VersionSummary[]> {
  await loadRow(id);
  const rows = await getDb().flowRevision.findMany({ where: { flowId: id }, orderBy: { version: "desc" } });
  return rows.map((r) => {
    let processors = 0;
    let connections = 0;
    try {
      const d = JSON.parse(r.snapshot) as { processors?: unknown[]; connections?: unknown[] };
      processors = d.processors?.length ?? 0;
      connections = d.connections?.length ?? 0;
    } catch {
      // a damaged snapshot still lists; opening it reports the problem
    }
    return { version: r.version, message: r.message, createdAt: r.createdAt.toISOString(), processors, connections };
  });
}

async function versionDoc(id: string, version: number | "current"): Promise<FlowDocument> {
  if (version === "current") return parseSnapshot((await loadRow(id)).snapshot);
  const v = await getDb().flowRevision.findUnique({ where: { flowId_version: { flowId: id, version } } });
  if (!v) throw new ApiError(404, `flow has no version ${version}`);
  return parseSnapshot(v.snapshot);
}

/**
 * The difference between two versions ("current" = the working snapshot), processors,
 * connections, services and groups. Compared decrypted, so a changed secret is reported as
 * changed; diffFlows never shows a sensitive value.
 */
export async function diffVersions(id: string, from: number | "current", to: number | "current"): Promise<FlowDiff> {
  await loadRow(id);
  return diffFlows(await versionDoc(id, from), await versionDoc(id, to), await sensitiveMap());
}

/**
 * Makes a committed version the working snapshot (a new revision). Run states of processors
 * that still exist are kept: reverting the design does not start or stop anything by itself.
 */
export async function revertToVersion(id: string, version: number, revision: number, guard?: DocumentGuard): Promise<SaveResult> {
  return withFlowLock(id, async () => {
    const row = await loadRow(id);
    if (row.revision !== revision) throw new ApiError(409, STALE_MESSAGE, [], "stale");
    const current = parseSnapshot(row.snapshot);
    const target = await versionDoc(id, version);
    const states = new Map(current.processors.map((p) => [p.id, p.state]));
    for (const p of target.processors) p.state = states.get(p.id) ?? (p.state === "disabled" ? "disabled" : "stopped");
    await guard?.(current, target);
    const deployed = await resumeIfDeployedBefore(id, current, row.revision);
    const snapshot = await nodeSnapshot(target);
    if (deployed) await nodeCall((n) => n.checkDeploy({ flowId: id, revision: revision + 1, snapshot }));
    const next = await writeSnapshot(id, revision, target);
    const d = deployed ? await nodeCall((n) => n.deploy({ flowId: id, revision: next, snapshot }), "Reverted, but the running flow could not take the change: ") : undefined;
    return { revision: next, analysis: await analyze(target), pending: d?.pending ?? [], document: maskDocument(target, await sensitiveMap()) };
  });
}

/** Per-processor validation for the config panel (as the user types). */
export async function validateConfig(input: { type: string; properties: Record<string, string>; scheduling?: unknown; autoTerminate?: string[] }) {
  return nodeCall((n) => n.validateProcessorConfig(input));
}

/** Problems of a connection's queue settings, as typed (text), keyed by field. */
export async function validateConnectionSettings(input: { objectThreshold: string; dataSizeThreshold: string; expiration: string }): Promise<Array<{ property: string; message: string }>> {
  return nodeCall((n) => n.validateConnectionSettings(input));
}

/** Who the local node is and what it runs (the node API's info). */
export async function nodeInfo(): Promise<NodeInfo> {
  return nodeCall((n) => n.info());
}

/**
 * Brings the flow's deployment (if it has one) to its stored snapshot with parameters resolved
 * again, after a parameter context it binds changed: the node applies it as a live edit, so only
 * the components whose resolved properties changed are reconfigured. Returns false when the
 * flow is not deployed (nothing to do).
 */
export async function redeployFlow(id: string): Promise<boolean> {
  return withFlowLock(id, async () => {
    const row = await loadRow(id);
    if (!(await deployment(id))) return false;
    const snapshot = await nodeSnapshot(parseSnapshot(row.snapshot));
    await nodeCall((n) => n.deploy({ flowId: id, revision: row.revision, snapshot }), "The running flow could not take the parameter change: ");
    return true;
  });
}
