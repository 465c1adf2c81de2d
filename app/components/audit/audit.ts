/**
 * The audit trail as the UI reads it (GET /api/audit): who changed, started, stopped, emptied or
 * replayed what, and when, newest first.
 */
import type { AuditEntry } from "../../lib/audit";
import { AUDIT_ACTIONS } from "../../lib/auth/policy";
import { api, type ApiResult } from "../designer/api-client";

/** One audit event as GET /api/audit answers it. */
export type AuditEvent = AuditEntry;

/** The actions the server records, for the filter. */
export { AUDIT_ACTIONS };

/** A search of the trail; empty fields do not filter. */
export interface AuditQuery {
  flowId: string;
  user: string;
  action: string;
  limit: number;
}

/** The query string of `q` (empty fields left out). */
export function auditQueryString(q: AuditQuery): string {
  const sp = new URLSearchParams();
  if (q.flowId) sp.set("flowId", q.flowId);
  if (q.user.trim()) sp.set("user", q.user.trim());
  if (q.action) sp.set("action", q.action);
  sp.set("limit", String(q.limit));
  return sp.toString();
}

/** Fetches the events matching `q`, newest first. */
export function fetchAudit(q: AuditQuery): Promise<ApiResult<{ events: AuditEvent[] }>> {
  return api<{ events: AuditEvent[] }>("GET", `/api/audit?${auditQueryString(q)}`);
}

/** The details of an event as one line of text ("" when there are none). */
export function describeDetails(details: unknown): string {
  if (details === null || details === undefined || details === "") return "";
  if (typeof details === "string") return details;
  if (typeof details !== "object") return String(details);
  return Object.entries(details as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && v !== null && v !== "")
    .map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(", ");
}

/** A local date and time, to the second. */
export function formatAuditTime(iso: string): string {
  const d = new Date(iso);
  return Number.isFinite(d.getTime()) ? d.toLocaleString() : iso;
}
