/**
 * Provenance for operators ("what happened to this record?"): search, one event with its
 * attribute changes, content before/after, lineage and replay, served from the flow's embedded
 * engine (engine-client's deployment).
 *
 * Contract for every operation:
 * - it throws ApiError for anything a user can cause: 404 for an unknown flow, event or
 *   FlowFile, 409 when the flow has no engine (never deployed) or an event cannot be replayed,
 *   410 when an event's content has aged out of the content archive;
 * - what it returns is a plain DTO: content claims (which may carry cached bytes) and other
 *   engine objects never reach the browser.
 */
import { z } from "zod";
import { getDb } from "./db";
import { parseFlowDocument, withFlowLock, type FlowDocument, type NodeApi, type ProvenanceEvent, type ProvenanceEventType, type ProvenanceQuery } from "./engine-client";
import { ApiError, nodeCall, resumeFlow } from "./flow-service";

/** A deployed flow as this module needs it: its id and the stored snapshot (for names). */
interface Deployment {
  flowId: string;
  doc: FlowDocument;
}

/** Every event type (CREATE, ROUTE, ...), for the search form's choices and request validation. */
export { PROVENANCE_EVENT_TYPES, type ProvenanceEventType } from "./engine-client";

/** Most events one search returns. */
export const MAX_SEARCH_LIMIT = 1000;
/** Most events one lineage answer holds (the oldest are kept); a bigger graph is unreadable anyway. */
export const MAX_LINEAGE_EVENTS = 1000;
/** Content preview size; the download is always complete. */
export const CONTENT_PREVIEW_BYTES = 256 * 1024;

/** Search criteria; every given one must match. */
export interface ProvenanceSearch {
  flowFileUuid?: string;
  componentId?: string;
  type?: ProvenanceEventType;
  /** Inclusive epoch-millis bounds. */
  from?: number;
  to?: number;
  /** Attribute equality (the attributes after the event). */
  attributes?: Record<string, string>;
  /** 1..MAX_SEARCH_LIMIT. */
  limit: number;
}

/** One event in a result list. */
export interface ProvenanceEventSummary {
  eventId: number;
  type: ProvenanceEventType;
  /** Epoch millis. */
  timestamp: number;
  flowFileUuid: string;
  /** FlowFile size after the event, in bytes. */
  fileSize: number;
  componentId: string;
  componentType: string;
  /** Name of the processor (or connection, for EXPIRE) in the deployed flow; its id when it has none or is gone. */
  componentName: string;
  relationship: string | null;
  details: string | null;
  parentUuids: string[];
  childUuids: string[];
}

/** One attribute before and after an event. `null`: the attribute did not exist. */
export interface AttributeChange {
  name: string;
  previous: string | null;
  current: string | null;
  changed: boolean;
}

/** One event in full, as the detail panel shows it. */
export interface ProvenanceEventDetail extends ProvenanceEventSummary {
  lineageStartDate: number;
  transitUri: string | null;
  /** The connection the FlowFile was taken from at this event (replay puts it back there). */
  sourceQueue: { id: string; name: string } | null;
  /** Every attribute before the event (empty for an event that created the FlowFile). */
  previousAttributes: Record<string, string>;
  /** Every attribute after the event. */
  updatedAttributes: Record<string, string>;
  /** The union of both maps by name, sorted, with `changed` set where the value differs. */
  attributeChanges: AttributeChange[];
  /** Content before ("input") and after ("output") the event; null when there was none. */
  input: { size: number } | null;
  output: { size: number } | null;
  /** Whether replay can work, and why not. */
  replay: { possible: true } | { possible: false; reason: string };
}

/** A lineage graph: events as nodes, edges following FlowFiles and parent → child links. */
export interface LineageView {
  /** The FlowFile asked about. */
  flowFileUuid: string;
  flowFiles: string[];
  events: ProvenanceEventSummary[];
  /** Event id → event id (earlier → later), labelled with the FlowFile of the target event. */
  edges: Array<{ from: number; to: number; flowFileUuid: string }>;
  /** True when the graph had more than MAX_LINEAGE_EVENTS events and was cut. */
  truncated: boolean;
}

/** An event's content (or its first CONTENT_PREVIEW_BYTES for a preview). */
export interface EventContent {
  eventId: number;
  side: "input" | "output";
  content: Buffer;
  /** A file name for a download: the FlowFile's `filename` attribute, else its uuid. */
  fileName: string;
  mimeType: string | null;
}

/** Result of a replay. */
export interface ReplayResult {
  /** The new FlowFile. */
  uuid: string;
  eventId: number;
  connection: { id: string; name: string };
}

const NOT_DEPLOYED =
  "This flow is not deployed, so it has no provenance to show: provenance is recorded by the flow's engine while it runs. Start the flow in the designer first.";

/** The flow's deployment, resumed after a server restart when it ran before. */
async function requireDeployment(flowId: string, opts: { resume?: boolean } = {}): Promise<Deployment> {
  const row = await getDb().flow.findUnique({ where: { id: flowId }, select: { id: true, snapshot: true } });
  if (!row) throw new ApiError(404, `no flow with id "${flowId}"`);
  // Under withFlowLock a resume would wait for the lock its caller holds: callers inside pass false.
  if (opts.resume !== false) await resumeFlow(flowId);
  const deployed = await nodeCall((n) => n.deployments());
  if (!deployed.some((d) => d.flowId === flowId)) throw new ApiError(409, NOT_DEPLOYED, [], "not-deployed");
  const parsed = parseFlowDocument(JSON.parse(row.snapshot));
  if (!parsed.ok) throw new ApiError(422, "the stored snapshot is not a valid flow document", parsed.problems);
  return { flowId, doc: parsed.flow };
}

/** Runs a node call; lost content (code "content-gone") becomes a 410 that says what was lost. */
async function engineCall<T>(fn: (node: NodeApi) => Promise<T>, what?: string): Promise<T> {
  try {
    return await nodeCall(fn);
  } catch (e) {
    if (e instanceof ApiError && e.code === "content-gone") {
      throw new ApiError(
        410,
        `The ${what ?? "content"} is no longer available: it was archived and has aged out of the content archive (${e.message}). Provenance events are kept longer than their content.`,
        [],
        "content-gone",
      );
    }
    throw e;
  }
}

function namer(d: Deployment): (componentId: string) => string {
  const names = new Map<string, string>();
  for (const c of d.doc.connections) names.set(c.id, c.name ?? `${c.relationships.join(", ")} connection`);
  for (const p of d.doc.processors) names.set(p.id, p.name ?? p.type);
  return (id) => names.get(id) ?? id;
}

function summary(e: ProvenanceEvent, nameOf: (id: string) => string): ProvenanceEventSummary {
  return {
    eventId: e.eventId,
    type: e.type,
    timestamp: e.timestamp,
    flowFileUuid: e.flowFileUuid,
    fileSize: e.fileSize,
    componentId: e.componentId,
    componentType: e.componentType,
    componentName: nameOf(e.componentId),
    relationship: e.relationship,
    details: e.details,
    parentUuids: [...e.parentUuids],
    childUuids: [...e.childUuids],
  };
}

/**
 * The complete attribute maps before and after an event, from the engine's deltas.
 * `attributes` is the state after; `updatedAttributes` names what changed (null = removed) and
 * `previousAttributes` the old values of those keys (null = did not exist). A key that
 * `updatedAttributes` names but `previousAttributes` does not is one the event gave a FlowFile
 * it created (CREATE, RECEIVE, a FORK/CLONE/JOIN child, REPLAY list the full map that way), so
 * it did not exist before.
 */
export function attributeMaps(e: Pick<ProvenanceEvent, "attributes" | "previousAttributes" | "updatedAttributes">): {
  previous: Record<string, string>;
  current: Record<string, string>;
} {
  const current: Record<string, string> = { ...e.attributes };
  for (const [k, v] of Object.entries(e.updatedAttributes)) {
    if (v === null) delete current[k];
    else current[k] = v;
  }
  const previous: Record<string, string> = { ...current };
  for (const k of Object.keys(e.updatedAttributes)) {
    const old = Object.hasOwn(e.previousAttributes, k) ? e.previousAttributes[k] : null;
    if (old === null || old === undefined) delete previous[k];
    else previous[k] = old;
  }
  for (const [k, v] of Object.entries(e.previousAttributes)) {
    if (Object.hasOwn(e.updatedAttributes, k)) continue;
    if (v === null) delete previous[k];
    else previous[k] = v;
  }
  return { previous, current };
}

function changes(previous: Record<string, string>, current: Record<string, string>): AttributeChange[] {
  const names = [...new Set([...Object.keys(previous), ...Object.keys(current)])].sort((a, b) => a.localeCompare(b));
  return names.map((name) => {
    const p = previous[name] ?? null;
    const c = current[name] ?? null;
    return { name, previous: p, current: c, changed: p !== c };
  });
}

function connectionName(d: Deployment, id: string): string | null {
  const c = d.doc.connections.find((x) => x.id === id);
  if (!c) return null;
  const source = d.doc.processors.find((p) => p.id === c.source);
  const dest = d.doc.processors.find((p) => p.id === c.destination);
  return c.name ?? `${source?.name ?? source?.type ?? c.source} → ${dest?.name ?? dest?.type ?? c.destination} (${c.relationships.join(", ")})`;
}

function replayability(d: Deployment, e: ProvenanceEvent): ProvenanceEventDetail["replay"] {
  if (!e.sourceQueueId) {
    return {
      possible: false,
      reason: "At this event the FlowFile was not taken from a connection (a source created it, or a processor made it as a clone or child), so there is no queue to put it back into. Replay an event where it left a queue.",
    };
  }
  if (!connectionName(d, e.sourceQueueId)) {
    return { possible: false, reason: `The connection the FlowFile came from (${e.sourceQueueId}) is no longer in the flow.` };
  }
  return { possible: true };
}

async function loadEvent(d: Deployment, eventId: number): Promise<ProvenanceEvent> {
  return engineCall((n) => n.provenanceEvent(d.flowId, eventId)).catch((e: unknown) => {
    if (e instanceof ApiError && e.status === 404) throw new ApiError(404, `no provenance event ${eventId} in this flow`);
    throw e;
  });
}

/** Events matching `search`, newest first, at most `search.limit`. */
export async function searchProvenance(flowId: string, search: ProvenanceSearch): Promise<{ events: ProvenanceEventSummary[]; limit: number }> {
  const d = await requireDeployment(flowId);
  const query: ProvenanceQuery = {
    flowFileUuid: search.flowFileUuid,
    componentId: search.componentId,
    type: search.type,
    startTime: search.from,
    endTime: search.to,
    attributes: search.attributes && Object.keys(search.attributes).length ? search.attributes : undefined,
    limit: Math.min(Math.max(1, search.limit), MAX_SEARCH_LIMIT),
  };
  const events = await engineCall((n) => n.searchProvenance(flowId, query));
  const nameOf = namer(d);
  return { events: events.map((e) => summary(e, nameOf)), limit: query.limit! };
}

/** One event with its attributes before and after, content sizes and whether replay can work. */
export async function provenanceEventDetail(flowId: string, eventId: number): Promise<ProvenanceEventDetail> {
  const d = await requireDeployment(flowId);
  const e = await loadEvent(d, eventId);
  const { previous, current } = attributeMaps(e);
  const queue = e.sourceQueueId ? { id: e.sourceQueueId, name: connectionName(d, e.sourceQueueId) ?? e.sourceQueueId } : null;
  return {
    ...summary(e, namer(d)),
    lineageStartDate: e.lineageStartDate,
    transitUri: e.transitUri,
    sourceQueue: queue,
    previousAttributes: previous,
    updatedAttributes: current,
    attributeChanges: changes(previous, current),
    input: e.previousClaim ? { size: e.previousClaim.length } : null,
    output: e.currentClaim ? { size: e.currentClaim.length } : null,
    replay: replayability(d, e),
  };
}

/**
 * The content before ("input") or after ("output") an event. 404 when the event had no content
 * on that side, 410 when it has aged out of the archive.
 */
export async function provenanceEventContent(flowId: string, eventId: number, side: "input" | "output"): Promise<EventContent> {
  const d = await requireDeployment(flowId);
  const e = await loadEvent(d, eventId);
  const claim = side === "input" ? e.previousClaim : e.currentClaim;
  if (!claim) {
    throw new ApiError(
      404,
      side === "input"
        ? `Event ${eventId} has no input content: the FlowFile had no content before this ${e.type} event.`
        : `Event ${eventId} has no output content: the FlowFile had no content after this ${e.type} event.`,
    );
  }
  const bytes = await engineCall((n) => n.provenanceContent(flowId, eventId, side), `${side} content of event ${eventId}`);
  const content = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { previous, current } = attributeMaps(e);
  const attrs = side === "input" && Object.keys(previous).length ? previous : current;
  return { eventId, side, content, fileName: attrs.filename ?? `${e.flowFileUuid}-${side}`, mimeType: attrs["mime.type"] ?? null };
}

/** The lineage of a FlowFile: its events and, transitively, those of its parents and children. */
export async function provenanceLineage(flowId: string, flowFileUuid: string): Promise<LineageView> {
  const d = await requireDeployment(flowId);
  const graph = await engineCall((n) => n.lineage(flowId, flowFileUuid));
  if (graph.events.length === 0) throw new ApiError(404, `no provenance events for FlowFile ${flowFileUuid} in this flow`);
  const events = [...graph.events].sort((a, b) => a.eventId - b.eventId).slice(0, MAX_LINEAGE_EVENTS);
  const kept = new Set(events.map((e) => e.eventId));
  const nameOf = namer(d);
  return {
    flowFileUuid,
    flowFiles: [...new Set(events.map((e) => e.flowFileUuid))].sort(),
    events: events.map((e) => summary(e, nameOf)),
    edges: graph.edges.filter((x) => kept.has(x.from) && kept.has(x.to)).map((x) => ({ from: x.from, to: x.to, flowFileUuid: x.flowFileUuid })),
    truncated: graph.events.length > events.length,
  };
}

/**
 * Replays an event: a new FlowFile with the content and attributes the FlowFile had before the
 * event is put into the connection it was taken from (a REPLAY event records it). 409 when the
 * event has no such connection, 410 when its content has aged out. Runs under the flow lock, so
 * it never races a redeploy that reopens the engine.
 */
export async function replayProvenanceEvent(flowId: string, eventId: number): Promise<ReplayResult> {
  await requireDeployment(flowId);
  return withFlowLock(flowId, async () => {
    const d = await requireDeployment(flowId, { resume: false });
    const e = await loadEvent(d, eventId);
    const can = replayability(d, e);
    if (!can.possible) throw new ApiError(409, `Event ${eventId} cannot be replayed. ${can.reason}`);
    const uuid = await engineCall((n) => n.replay(flowId, eventId), `content of event ${eventId}`);
    return { uuid, eventId, connection: { id: e.sourceQueueId!, name: connectionName(d, e.sourceQueueId!) ?? e.sourceQueueId! } };
  });
}

/** An event id in a URL: a non-negative whole number. */
export const eventIdSchema = z
  .string()
  .regex(/^\d{1,15}$/, "not an event id (a whole number)")
  .transform(Number);

/** A FlowFile uuid in a URL or query. */
export const flowFileUuidSchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9._:-]+$/, "not a FlowFile uuid");
