/**
 * What the canvas's context menu offers for each kind of target, as a pure function of the
 * target, the document, the user's permissions and what the designer can do (`MenuActions`).
 *
 * Contract: commands the user's permissions do not allow are left out (as the toolbar does);
 * commands that do not apply to the target's state now (Start on a running processor, Run once
 * on a processor that is not stopped) are shown disabled with the reason in their title.
 */
import type { ConnectionConfig, FlowDocument, ProcessorConfig } from "../../lib/engine-client";
import type { DesignerPermissions } from "../auth/permissions";
import { isNodeLocal, type MenuTarget } from "./canvas-parts";
import type { MenuItem } from "./context-menu";
import { subtreeGroups } from "./model";

/** What the menu's commands do; the designer implements them. */
export interface MenuActions {
  configureProcessor(id: string): void;
  configureConnection(id: string, listQueue?: boolean): void;
  run(action: "start" | "stop", processors: string[] | undefined): void;
  runOnce(p: ProcessorConfig): void;
  setEnabled(processors: string[], enabled: boolean): void;
  provenance(componentId?: string): void;
  /** Undefined when status history is not available. */
  statusHistory?: (componentId: string) => void;
  emptyQueue(connectionId: string): void;
  makeDistributed(connectionId: string): void;
  copy(sel: { processors: string[]; groups: string[] }): void;
  paste(): void;
  remove(sel: { processors?: string[]; groups?: string[]; connections?: string[] }): void;
  center(nodeId: string): void;
  enterGroup(groupId: string): void;
  selectAll(): void;
  layout(): void;
  fitView(): void;
  help(): void;
}

/** Everything the menu needs besides the target. */
export interface MenuContext {
  doc: FlowDocument;
  /** The level shown (undefined = root): what the canvas menu's Start/Stop act on. */
  groupId: string | undefined;
  perms: DesignerPermissions;
  clusterMode: boolean;
  /** The processor's live state, when the flow is deployed. */
  liveState(id: string): string | undefined;
  actions: MenuActions;
}

const NO_HISTORY = "Status history is not available in this build";

/** The menu's title and items for `target`; null when the target no longer exists. */
export function menuFor(target: MenuTarget, ctx: MenuContext): { label: string; items: MenuItem[] } | null {
  switch (target.kind) {
    case "processor": {
      const p = ctx.doc.processors.find((x) => x.id === target.id);
      return p ? { label: p.name ?? p.type, items: processorItems(p, ctx) } : null;
    }
    case "connection": {
      const c = ctx.doc.connections.find((x) => x.id === target.id);
      return c ? { label: connectionLabel(c, ctx.doc), items: connectionItems(c, ctx) } : null;
    }
    case "group": {
      const g = ctx.doc.groups.find((x) => x.id === target.groupId);
      return g ? { label: g.name, items: groupItems(g.id, ctx) } : null;
    }
    case "canvas":
      return { label: "Canvas", items: canvasItems(ctx) };
  }
}

function connectionLabel(c: ConnectionConfig, doc: FlowDocument): string {
  const name = (id: string) => {
    const p = doc.processors.find((x) => x.id === id);
    return p ? (p.name ?? p.type) : id;
  };
  return c.name ?? `${name(c.source)} → ${name(c.destination)}`;
}

function processorItems(p: ProcessorConfig, { perms, liveState, actions: a }: MenuContext): MenuItem[] {
  const state = p.state === "disabled" ? "disabled" : (liveState(p.id) ?? p.state);
  const items: MenuItem[] = [{ label: perms.write ? "Configure" : "View configuration", run: () => a.configureProcessor(p.id) }];
  if (perms.run) {
    items.push(
      { label: "Start", run: () => a.run("start", [p.id]), disabled: state === "running" || state === "disabled", title: state === "disabled" ? "Enable it first" : undefined, separator: true },
      { label: "Stop", run: () => a.run("stop", [p.id]), disabled: state !== "running" },
      { label: "Run once", run: () => a.runOnce(p), disabled: state !== "stopped" && state !== "invalid", title: "Trigger the processor once and leave it stopped (the flow must be deployed)" },
      p.state === "disabled" ? { label: "Enable", run: () => a.setEnabled([p.id], true) } : { label: "Disable", run: () => a.setEnabled([p.id], false), disabled: state === "running", title: state === "running" ? "Stop it first" : undefined },
    );
  }
  items.push(
    { label: "View data provenance", run: () => a.provenance(p.id), separator: true },
    { label: "View status history", run: () => a.statusHistory?.(p.id), disabled: !a.statusHistory, title: a.statusHistory ? undefined : NO_HISTORY },
    { label: "Center in view", run: () => a.center(p.id) },
  );
  if (perms.write) {
    items.push({ label: "Copy", run: () => a.copy({ processors: [p.id], groups: [] }), hint: "Ctrl+C", separator: true }, { label: "Delete", run: () => a.remove({ processors: [p.id] }), danger: true, hint: "Del" });
  }
  return items;
}

function connectionItems(c: ConnectionConfig, { perms, clusterMode, actions: a }: MenuContext): MenuItem[] {
  const items: MenuItem[] = [
    { label: perms.write ? "Configure" : "View configuration", run: () => a.configureConnection(c.id) },
    { label: "List queue", run: () => a.configureConnection(c.id, true), separator: true },
  ];
  if (perms.emptyQueues) items.push({ label: "Empty queue", run: () => a.emptyQueue(c.id), danger: true });
  items.push(
    { label: "View data provenance", run: () => a.provenance(c.source), title: "Events of the connection's source processor", separator: true },
    { label: "View status history", run: () => a.statusHistory?.(c.id), disabled: !a.statusHistory, title: a.statusHistory ? undefined : NO_HISTORY },
    { label: "Center in view", run: () => a.center(c.source) },
  );
  if (perms.write && clusterMode && isNodeLocal(c)) {
    items.push({ label: "Make distributed", run: () => a.makeDistributed(c.id), title: "Load balance round-robin: queued FlowFiles are shared by the cluster instead of waiting for one node" });
  }
  if (perms.write) items.push({ label: "Delete", run: () => a.remove({ connections: [c.id] }), danger: true, hint: "Del", separator: true });
  return items;
}

function groupItems(groupId: string, { doc, perms, actions: a }: MenuContext): MenuItem[] {
  const sub = subtreeGroups(doc, groupId);
  const inside = doc.processors.filter((p) => p.group !== undefined && sub.has(p.group)).map((p) => p.id);
  const nodeId = `group:${groupId}`;
  const items: MenuItem[] = [{ label: "Enter group", run: () => a.enterGroup(groupId) }];
  if (perms.run) {
    items.push(
      { label: "Start", run: () => a.run("start", inside), disabled: !inside.length, separator: true },
      { label: "Stop", run: () => a.run("stop", inside), disabled: !inside.length },
      { label: "Enable all", run: () => a.setEnabled(inside, true), disabled: !inside.length },
      { label: "Disable all", run: () => a.setEnabled(inside, false), disabled: !inside.length },
    );
  }
  items.push({ label: "Center in view", run: () => a.center(nodeId), separator: true });
  if (perms.write) {
    items.push({ label: "Copy", run: () => a.copy({ processors: [], groups: [groupId] }), hint: "Ctrl+C", separator: true }, { label: "Delete", run: () => a.remove({ groups: [groupId] }), danger: true, hint: "Del" });
  }
  return items;
}

function canvasItems({ doc, groupId, perms, actions: a }: MenuContext): MenuItem[] {
  const level = groupId === undefined ? undefined : doc.processors.filter((p) => p.group !== undefined && subtreeGroups(doc, groupId).has(p.group)).map((p) => p.id);
  const items: MenuItem[] = [];
  if (perms.run) {
    items.push({ label: groupId === undefined ? "Start all" : "Start group", run: () => a.run("start", level) }, { label: groupId === undefined ? "Stop all" : "Stop group", run: () => a.run("stop", level) });
  }
  if (perms.write) items.push({ label: "Paste", run: a.paste, hint: "Ctrl+V", separator: items.length > 0 });
  items.push(
    { label: "Select all", run: a.selectAll, hint: "Ctrl+A", separator: !perms.write && items.length > 0 },
    { label: "Fit view", run: a.fitView },
  );
  if (perms.write) items.push({ label: "Auto-layout", run: a.layout });
  items.push({ label: "View data provenance", run: () => a.provenance(), separator: true }, { label: "Keyboard shortcuts", run: a.help, hint: "?" });
  return items;
}
