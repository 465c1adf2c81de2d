/**
 * The audit trail, as in NiFi's flow configuration history: who changed, started, stopped,
 * emptied or replayed what, and when (docs/security.md lists the actions).
 *
 * Contract:
 * - route handlers call `audit()` after the action succeeded, with the acting principal;
 * - `details` is plain, small data that never holds a secret (no passwords, tokens, cookies or
 *   property values);
 * - a failure to write an entry is logged and does not undo or fail the action it describes.
 */
import { getDb } from "./db";
import type { AuditAction } from "./auth/policy";
import type { Principal } from "./auth/session";

/** One entry as GET /api/audit answers it. */
export interface AuditEntry {
  id: string;
  /** ISO 8601. */
  at: string;
  user: string;
  action: AuditAction;
  flowId: string | null;
  flowName: string | null;
  componentId: string | null;
  details: Record<string, unknown>;
}

/** What an entry is about, besides who and what. */
export interface AuditTarget {
  flowId?: string;
  /** Looked up from the store when only `flowId` is given. */
  flowName?: string;
  componentId?: string;
  details?: Record<string, unknown>;
}

/** The name of a flow, or undefined when it is gone. */
export async function flowName(flowId: string): Promise<string | undefined> {
  return (await getDb().flow.findUnique({ where: { id: flowId }, select: { name: true } }))?.name;
}

/** Records one entry (errors are logged, never thrown). */
export async function audit(who: Principal | string, action: AuditAction, target: AuditTarget = {}): Promise<void> {
  try {
    const name = target.flowName ?? (target.flowId ? await flowName(target.flowId) : undefined);
    await getDb().auditEvent.create({
      data: {
        user: typeof who === "string" ? who : who.name,
        action,
        flowId: target.flowId ?? null,
        flowName: name ?? null,
        componentId: target.componentId ?? null,
        details: JSON.stringify(target.details ?? {}),
      },
    });
  } catch (e) {
    console.error(`sluice: could not record audit event ${action}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
  }
}

/** Most entries one search answers. */
export const MAX_AUDIT_LIMIT = 1000;

/** Entries matching every given criterion, newest first. */
export async function searchAudit(q: { flowId?: string; user?: string; action?: AuditAction; limit: number }): Promise<AuditEntry[]> {
  const rows = await getDb().auditEvent.findMany({
    where: { flowId: q.flowId, user: q.user, action: q.action },
    orderBy: [{ at: "desc" }, { id: "desc" }],
    take: q.limit,
  });
  return rows.map((r) => {
    let details: Record<string, unknown> = {};
    try {
      const v: unknown = JSON.parse(r.details);
      if (v && typeof v === "object" && !Array.isArray(v)) details = v as Record<string, unknown>;
    } catch {
      // an unreadable row still lists, without details
    }
    return { id: r.id, at: r.at.toISOString(), user: r.user, action: r.action as AuditAction, flowId: r.flowId, flowName: r.flowName, componentId: r.componentId, details };
  });
}
