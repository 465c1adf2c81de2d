"use client";
/**
 * The flow designer: a live React Flow canvas of one flow. This file wires the parts together
 * and keeps the side panels, dialogs and edit commands; each concern lives in its own module:
 *
 * - use-autosave.ts: the flow document is the single source of truth, saved debounced with the
 *   revision it was based on (a stale revision is refused with 409 and editing stops until
 *   reload, so nothing is silently overwritten).
 * - use-history.ts: every edit is a pure function of the document (model.ts) committed through
 *   the undo history.
 * - use-canvas.ts + canvas-projection.ts: React Flow's nodes and edges are projected from the
 *   document for the current process-group level; only transient things (selection, measured
 *   sizes, positions while dragging) live in React Flow's state.
 * - live-store.ts: live numbers arrive over Server-Sent Events into a LiveStore that nodes and
 *   edges subscribe to one by one.
 * - use-run-control.ts, shortcuts.ts, toolbar.tsx: start/stop, keyboard, the toolbar.
 *
 * Permissions (from the signed-in user, see ../auth/permissions.ts) decide what is offered; the
 * server refuses the rest anyway. Without `flows:write` the canvas is read-only: no palette, no
 * dragging, connecting, deleting, pasting, grouping or layout, settings panels without Apply,
 * no version commit or revert. Start/Stop need `flows:run`, "Empty queue" `queues:empty`,
 * queued and provenance content and replay `data:view`, the History panel `audit:read`. A
 * restricted processor type (catalog `restrictions`) is refused on drop or paste, and its
 * settings are read-only, unless the user holds `restricted:<kind>` for each of its kinds.
 */
import { Background, Controls, MiniMap, ReactFlow, ReactFlowProvider, useReactFlow, useStore, type Connection, type Edge, type Node } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import dynamic from "next/dynamic";
import { useCallback, useMemo, useRef, useState, type MouseEvent as ReactMouseEvent, type ReactNode } from "react";
import type { ElFunctionInfo, ProcessorTypeInfo } from "../../lib/engine-client";
import type { EditorFlow } from "../../lib/flow-service";
import { describeRestrictions, designerPermissions, missingRestrictions, restrictedPermission, restrictionsOf } from "../auth/permissions";
import { BannerView, type Banner } from "./banner";
import { api } from "./api-client";
import { CanvasContext, DETAIL_ZOOM, DetailContext, edgeTypes, LiveContext, nodeTypes, type CanvasOptions, type GroupNodeData, type MenuTarget } from "./canvas-parts";
import { ParameterBinding } from "../parameters/binding-select";
import { scopeFor, useParameterContexts } from "../parameters/use-parameter-contexts";
import { ContextMenu } from "./context-menu";
import { ConnectDialog, GroupRename, KeyboardHelp, Modal, type ConnectDraft } from "./dialogs";
import { formatCount } from "./format";
import { autoLayout } from "./auto-layout";
import { LiveStore, useLiveStatus } from "./live-store";
import { menuFor } from "./menu-items";
import {
  addConnection,
  addProcessor,
  connectedRelationships,
  copyComponents,
  deleteComponents,
  groupComponents,
  groupNodeId,
  IN_PORT,
  moveComponents,
  OUT_PORT,
  pasteClip,
  processorsToRun,
  renameGroup,
  ungroup,
  updateConnection,
  updateProcessor,
  type Clip,
} from "./model";
import { Palette, PALETTE_MIME } from "./palette";
import { ProblemsList } from "./problems";
import { useShortcuts } from "./shortcuts";
import { BulletinBar, ElsewhereNotice } from "./status-bits";
import { useColorMode } from "../theme/theme";
import { buttonClass as btn, Toolbar, type SearchResult } from "./toolbar";
import { useAutosave } from "./use-autosave";
import { FIT_OPTIONS, MIN_ZOOM, NODE_H, NODE_W, useCanvas } from "./use-canvas";
import { useDocumentHistory } from "./use-history";
import { useRunControl } from "./use-run-control";

/** Props: the flow as loaded on the server, and the catalog (processor types, EL functions). */
export interface DesignerProps {
  initial: EditorFlow;
  types: ProcessorTypeInfo[];
  elFunctions: ElFunctionInfo[];
  /** Sensitive property names by type (not copied on copy/paste). */
  sensitive: Record<string, string[]>;
  /** The signed-in user's permissions (GET /api/auth/me `permissions`). */
  permissions: string[];
  /** The designer is a cluster coordinator: connections without load balancing are marked "not HA". */
  clusterMode?: boolean;
}

type Panel = { kind: "processor"; id: string } | { kind: "connection"; id: string; listQueue?: boolean } | { kind: "versions" } | { kind: "history" } | { kind: "status-history"; componentId: string };

const CLIPBOARD_KEY = "sluice.clipboard";

// The side panels load when first opened (with what only they use: uPlot, the EL editor, the
// queue listing): the canvas needs none of them to show or be clicked, and evaluating them
// delayed the first render of a big flow.
function PanelLoading() {
  return <p className="p-4 text-sm text-slate-500">Loading…</p>;
}
const ConfigPanel = dynamic(() => import("./config-panel").then((m) => m.ConfigPanel), { ssr: false, loading: PanelLoading });
const ConnectionPanel = dynamic(() => import("./connection-panel").then((m) => m.ConnectionPanel), { ssr: false, loading: PanelLoading });
const VersionsPanel = dynamic(() => import("./versions-panel").then((m) => m.VersionsPanel), { ssr: false, loading: PanelLoading });
const AuditPanel = dynamic(() => import("./audit-panel").then((m) => m.AuditPanel), { ssr: false, loading: PanelLoading });
const StatusHistoryPanel = dynamic(() => import("./status-history").then((m) => m.StatusHistoryPanel), { ssr: false, loading: PanelLoading });

// Constant React Flow props (a new array or object per render would update its store each time).
/** Left button pans on the empty pane, the middle button pans anywhere (over nodes too). */
const PAN_BUTTONS = [0, 1];
const MULTI_SELECTION_KEYS = ["Meta", "Control", "Shift"];
const PRO_OPTIONS = { hideAttribution: true };
const miniMapColor = (n: Node) => (n.type === "processGroup" ? "#a5b4fc" : "#94a3b8");

/** Tells the canvas parts whether to show details; re-renders them only when the zoom crosses DETAIL_ZOOM. */
function DetailLevel({ children }: { children: ReactNode }) {
  const detailed = useStore((s) => s.transform[2] >= DETAIL_ZOOM);
  return <DetailContext.Provider value={detailed}>{children}</DetailContext.Provider>;
}

export function Designer(props: DesignerProps) {
  return (
    <ReactFlowProvider>
      <DesignerInner {...props} />
    </ReactFlowProvider>
  );
}

function DesignerInner({ initial, types, elFunctions, sensitive, permissions, clusterMode = false }: DesignerProps) {
  const flowId = initial.id;
  const rf = useReactFlow();
  const typeMap = useMemo(() => new Map(types.map((t) => [t.type, t])), [types]);
  const perms = useMemo(() => designerPermissions(permissions), [permissions]);
  const readOnly = !perms.write;
  /** Why the user may not add or configure a processor of `type`, or null when they may. */
  const restrictedRefusal = useCallback(
    (type: string, doing: string): string | null => {
      const kinds = restrictionsOf(typeMap.get(type));
      const missing = missingRestrictions(perms.all, kinds);
      if (!missing.length) return null;
      const needed = missing.map(restrictedPermission).join(", ");
      return `${type} is a restricted processor: it ${describeRestrictions(kinds)}. ${doing} needs the permission${missing.length === 1 ? "" : "s"} ${needed}, which admins have and can grant to a user on the Users page.`;
    },
    [typeMap, perms],
  );
  const store = useMemo(() => new LiveStore(), []);

  const [banner, setBanner] = useState<Banner | null>(null);
  const [panel, setPanel] = useState<Panel | null>(null);
  const [draft, setDraft] = useState<ConnectDraft | null>(null);
  const [groupDialog, setGroupDialog] = useState<{ name: string } | null>(null);
  const [showProblems, setShowProblems] = useState(false);
  // Parameter contexts: the canvas's binding selector and the config panel's #{name} hints.
  const parameterContexts = useParameterContexts();
  const [menu, setMenu] = useState<{ x: number; y: number; target: MenuTarget } | null>(null);
  const [showHelp, setShowHelp] = useState(false);
  const pasteCount = useRef(0);
  const colorMode = useColorMode();

  const save = useAutosave(flowId, { document: initial.document, revision: initial.revision, analysis: initial.analysis, pending: [] }, setBanner);
  const { doc, docRef, analysis, block } = save;
  const { history, commit, undo, redo, record } = useDocumentHistory(save, setBanner);
  const runControl = useRunControl(flowId, save, setBanner);

  const onGone = useCallback(() => {
    block();
    setBanner({ kind: "error", text: "This flow was deleted." });
  }, [block]);
  useLiveStatus(flowId, store, onGone);

  const closePanel = useCallback(() => setPanel(null), []);
  const openConnection = useCallback((id: string) => setPanel({ kind: "connection", id }), []);
  const canvas = useCanvas(doc, analysis, closePanel, openConnection);
  const { groupId, nodes, edges, selection, selectNext, selectAll } = canvas;

  const onNodeDragStop = useCallback(
    (_e: unknown, _n: Node, dragged: Node[]) => {
      if (readOnly) return;
      const d = docRef.current;
      const moves = dragged.filter((n) => n.type === "processor" || n.type === "processGroup").map((n) => ({ id: n.id, x: n.position.x, y: n.position.y }));
      const pos = new Map<string, { x: number; y: number } | undefined>([
        ...d.processors.map((p) => [p.id, p.position] as const),
        ...d.groups.map((g) => [groupNodeId(g.id), g.position] as const),
      ]);
      const moved = moves.filter((m) => {
        const p = pos.get(m.id);
        return !p || Math.round(m.x) !== p.x || Math.round(m.y) !== p.y;
      });
      if (moved.length) commit(moveComponents(d, moves));
    },
    [readOnly, docRef, commit],
  );

  // ---- editing commands ---------------------------------------------------------------------
  const addAt = useCallback(
    (type: string, position: { x: number; y: number }) => {
      const info = typeMap.get(type);
      if (!info || readOnly) return;
      const refusal = restrictedRefusal(type, `Adding it`);
      if (refusal) {
        setBanner({ kind: "error", text: refusal });
        return;
      }
      const r = addProcessor(docRef.current, info, position, groupId);
      selectNext([r.id]);
      commit(r.doc);
    },
    [typeMap, readOnly, restrictedRefusal, groupId, docRef, selectNext, commit],
  );

  const addAtCenter = (type: string) => {
    const el = document.querySelector(".react-flow");
    const rect = el?.getBoundingClientRect();
    const p = rf.screenToFlowPosition({ x: (rect?.left ?? 0) + (rect?.width ?? 800) / 2, y: (rect?.top ?? 0) + (rect?.height ?? 600) / 2 });
    addAt(type, { x: p.x - NODE_W / 2 + pasteCount.current * 10, y: p.y - NODE_H / 2 });
  };

  const deleteSelection = useCallback(() => {
    const { processors: procs, groups, edges: conns } = selection;
    if (readOnly || procs.length + groups.length + conns.length === 0) return;
    commit(deleteComponents(docRef.current, { processors: procs, groups, connections: conns }));
    if ((panel?.kind === "processor" && procs.includes(panel.id)) || (panel?.kind === "connection" && conns.includes(panel.id))) setPanel(null);
  }, [readOnly, selection, docRef, commit, panel]);

  const copyOf = useCallback(
    (sel: { processors: string[]; groups: string[] }) => {
      if (!sel.processors.length && !sel.groups.length) return;
      const clip = copyComponents(docRef.current, sel, (t) => sensitive[t] ?? []);
      try {
        localStorage.setItem(CLIPBOARD_KEY, JSON.stringify(clip));
      } catch {
        // storage full or disabled: copy is lost, nothing else breaks
      }
      pasteCount.current = 0;
      const parts = [
        sel.groups.length ? `${sel.groups.length} group${sel.groups.length === 1 ? "" : "s"}` : "",
        sel.processors.length ? `${sel.processors.length} processor${sel.processors.length === 1 ? "" : "s"}` : "",
      ].filter(Boolean);
      setBanner({ kind: "info", text: `Copied ${parts.join(" and ")}.` });
    },
    [docRef, sensitive],
  );
  const copy = useCallback(() => copyOf({ processors: selection.processors, groups: selection.groups }), [copyOf, selection]);

  const paste = useCallback(() => {
    let clip: Clip | null = null;
    try {
      clip = JSON.parse(localStorage.getItem(CLIPBOARD_KEY) ?? "null") as Clip | null;
    } catch {
      clip = null;
    }
    if (readOnly || (!clip?.processors?.length && !clip?.groups?.length)) return;
    const refused = [...new Set(clip.processors.map((p) => p.type))].map((t) => restrictedRefusal(t, "Pasting it")).filter((x) => x !== null);
    if (refused.length) {
      setBanner({ kind: "error", text: `Nothing was pasted. ${refused.join("\n")}` });
      return;
    }
    const known = clip.processors.filter((p) => typeMap.has(p.type));
    pasteCount.current += 1;
    const r = pasteClip(docRef.current, { processors: known, connections: clip.connections ?? [], groups: clip.groups ?? [] }, groupId, { x: 40 * pasteCount.current, y: 40 * pasteCount.current });
    selectNext(r.ids);
    commit(r.doc);
  }, [readOnly, restrictedRefusal, typeMap, groupId, docRef, selectNext, commit]);

  const layout = async () => {
    const measured = nodes.filter((n) => n.type !== "port").map((n) => ({ id: n.id, width: n.measured?.width ?? NODE_W, height: n.measured?.height ?? NODE_H }));
    if (!measured.length) return;
    try {
      const pos = await autoLayout(measured, edges.map((e) => ({ id: e.id, source: e.source, target: e.target })));
      commit(moveComponents(docRef.current, [...pos.entries()].map(([id, p]) => ({ id, ...p }))));
      requestAnimationFrame(() => requestAnimationFrame(() => void rf.fitView({ padding: 0.2, duration: 300 })));
    } catch (e) {
      setBanner({ kind: "error", text: `Auto-layout failed: ${(e as Error).message}` });
    }
  };

  const makeGroup = (name: string) => {
    const r = groupComponents(docRef.current, { processors: selection.processors, groups: selection.groups }, name, groupId);
    selectNext([groupNodeId(r.id)]);
    commit(r.doc);
    setGroupDialog(null);
  };

  const goTo = (r: SearchResult) => canvas.focus(r.kind === "group" ? groupNodeId(r.id) : r.id, r.group);

  const exportFlow = async () => {
    await save.flush();
    window.location.href = `/api/flows/${flowId}/export`;
  };

  const nothing = useCallback(() => undefined, []);
  const help = useCallback(() => setShowHelp(true), []);
  useShortcuts(
    readOnly ? { delete: nothing, undo: nothing, redo: nothing, copy: nothing, paste: nothing, selectAll, help } : { delete: deleteSelection, undo, redo, copy, paste, selectAll, help },
    draft !== null || groupDialog !== null || menu !== null || showHelp,
  );

  // ---- context menu ---------------------------------------------------------------------------
  const { selectOnly } = canvas;
  const openMenu = useCallback(
    (e: ReactMouseEvent | MouseEvent, target: MenuTarget) => {
      e.preventDefault();
      e.stopPropagation();
      if (target.kind === "processor" || target.kind === "connection") selectOnly(target.id);
      else if (target.kind === "group") selectOnly(groupNodeId(target.groupId));
      setMenu({ x: e.clientX, y: e.clientY, target });
    },
    [selectOnly],
  );
  const canvasOptions = useMemo<CanvasOptions>(() => ({ clusterMode, onMenu: openMenu }), [clusterMode, openMenu]);
  // React Flow hands its event props to every node and edge: a new function per render would
  // re-render all 300 of them on each selection click (bench/canvas-300.ts).
  const { enterGroup } = canvas;
  const onNodeDoubleClick = useCallback(
    (_e: ReactMouseEvent, n: Node) => {
      if (n.type === "processor") setPanel({ kind: "processor", id: n.id });
      else if (n.type === "processGroup") enterGroup((n.data as GroupNodeData).groupId);
    },
    [enterGroup],
  );
  const onEdgeDoubleClick = useCallback((_e: ReactMouseEvent, edge: Edge) => setPanel({ kind: "connection", id: edge.id }), []);
  const onNodeContextMenu = useCallback(
    (e: ReactMouseEvent, n: Node) => {
      if (n.type === "processor") openMenu(e, { kind: "processor", id: n.id });
      else if (n.type === "processGroup") openMenu(e, { kind: "group", groupId: (n.data as GroupNodeData).groupId });
      else e.preventDefault();
    },
    [openMenu],
  );
  const onEdgeContextMenu = useCallback((e: ReactMouseEvent, edge: Edge) => openMenu(e, { kind: "connection", id: edge.id }), [openMenu]);
  const onCanvasContextMenu = useCallback((e: ReactMouseEvent | MouseEvent) => openMenu(e, { kind: "canvas" }), [openMenu]);
  const closeMenu = useCallback(() => setMenu(null), []);
  const onStatusHistory = useCallback((componentId: string) => setPanel({ kind: "status-history", componentId }), []);
  /** Centres the view on a node of the current level (a processor or a group node id). */
  const center = (nodeId: string) => {
    const n = rf.getNode(nodeId);
    if (!n) return;
    const w = n.measured?.width ?? NODE_W;
    const h = n.measured?.height ?? NODE_H;
    void rf.setCenter(n.position.x + w / 2, n.position.y + h / 2, { zoom: Math.max(rf.getZoom(), 1), duration: 300 });
  };
  const emptyQueue = async (connectionId: string) => {
    if (!window.confirm("Drop every FlowFile queued in this connection?")) return;
    const r = await api<{ dropped: number }>("DELETE", `/api/flows/${flowId}/connections/${encodeURIComponent(connectionId)}/queue`);
    setBanner(r.ok ? { kind: "info", text: `Dropped ${formatCount(r.data.dropped)} FlowFile${r.data.dropped === 1 ? "" : "s"}.` } : { kind: "error", text: r.error });
  };
  const menuContent = menu
    ? menuFor(menu.target, {
        doc,
        groupId,
        perms,
        clusterMode,
        liveState: (id) => store.processor(id)?.state,
        actions: {
          configureProcessor: (id) => setPanel({ kind: "processor", id }),
          configureConnection: (id, listQueue) => setPanel({ kind: "connection", id, listQueue }),
          run: (action, ids) => void runControl.run(action, () => ids),
          runOnce: (p) => void runControl.runOnce(p.id, p.name ?? p.type),
          setEnabled: (ids, enabled) => void runControl.setEnabled(ids, enabled),
          statusHistory: onStatusHistory,
          provenance: (componentId) => {
            void save.flush().then(() => window.location.assign(`/flows/${flowId}/provenance${componentId ? `?component=${encodeURIComponent(componentId)}` : ""}`));
          },
          emptyQueue: (id) => void emptyQueue(id),
          makeDistributed: (id) => commit(updateConnection(docRef.current, id, { loadBalance: { strategy: "round-robin" } })),
          copy: copyOf,
          paste,
          remove: (sel) => {
            if (!readOnly) commit(deleteComponents(docRef.current, sel));
          },
          center,
          enterGroup: canvas.enterGroup,
          selectAll,
          layout: () => void layout(),
          fitView: () => void rf.fitView({ padding: 0.2, duration: 300 }),
          help,
        },
      })
    : null;

  // ---- connecting ---------------------------------------------------------------------------
  const isValidConnection = useCallback(
    (c: Connection | Edge) => {
      if (c.target === IN_PORT || c.source === OUT_PORT || (c.source === IN_PORT && c.target === OUT_PORT)) return false;
      const dst = docRef.current.processors.find((p) => p.id === c.target);
      if (dst && typeMap.get(dst.type)?.input === "forbidden") return false;
      return true;
    },
    [docRef, typeMap],
  );
  const onConnect = useCallback(
    (c: Connection) => {
      if (!readOnly && c.source && c.target) setDraft({ source: c.source, target: c.target });
    },
    [readOnly],
  );

  // ---- derived bits for the panels ------------------------------------------------------------
  const panelProcessor = panel?.kind === "processor" ? doc.processors.find((p) => p.id === panel.id) : undefined;
  const panelConnection = panel?.kind === "connection" ? doc.connections.find((c) => c.id === panel.id) : undefined;
  const configRefusal = panelProcessor ? restrictedRefusal(panelProcessor.type, "Changing its configuration") : null;
  const nameOf = (id: string) => {
    const p = doc.processors.find((x) => x.id === id);
    return p ? (p.name ?? p.type) : id;
  };
  const relationshipsOf = (id: string): string[] => {
    const p = doc.processors.find((x) => x.id === id);
    if (!p) return [];
    return analysis.processors[id]?.relationships ?? typeMap.get(p.type)?.relationships.map((r) => r.name) ?? [];
  };
  const selectedGroup = selection.groups.length === 1 ? selection.groups[0] : undefined;

  return (
    <LiveContext.Provider value={store}>
      <CanvasContext.Provider value={canvasOptions}>
        <div className="flex h-[calc(100vh-3.5rem)] min-h-[560px] flex-col" data-testid="designer">
          <Toolbar
            flowId={flowId}
            doc={doc}
            groupId={groupId}
            selection={selection}
            canUndo={history.past.length > 0}
            canRedo={history.future.length > 0}
            problemCount={analysis.problems.length}
            showProblems={showProblems}
            saveState={save.saveState}
            store={store}
            perms={perms}
            actions={{
              showLevel: canvas.showLevel,
              run: (action) => void runControl.run(action, () => processorsToRun(docRef.current, selection, groupId)),
              undo,
              redo,
              copy,
              paste,
              deleteSelection,
              group: () => setGroupDialog({ name: "New group" }),
              ungroup: () => {
                if (selectedGroup !== undefined) commit(ungroup(docRef.current, selectedGroup));
              },
              layout: () => void layout(),
              configure: () => setPanel({ kind: "processor", id: selection.processors[0]! }),
              goTo,
              toggleProblems: () => setShowProblems((s) => !s),
              toggleVersions: () => setPanel(panel?.kind === "versions" ? null : { kind: "versions" }),
              toggleHistory: () => setPanel(panel?.kind === "history" ? null : { kind: "history" }),
              exportFlow: () => void exportFlow(),
              help,
            }}
          />

          <div className="flex min-h-0 flex-1">
            {readOnly ? null : <Palette types={types} permissions={perms.all} onAdd={addAtCenter} />}
            <section
              aria-label="Flow canvas"
              className="relative min-w-0 flex-1"
              onDragOver={(e) => {
                if (!readOnly && e.dataTransfer.types.includes(PALETTE_MIME)) {
                  e.preventDefault();
                  e.dataTransfer.dropEffect = "copy";
                }
              }}
              onDrop={(e) => {
                const type = e.dataTransfer.getData(PALETTE_MIME);
                if (!type) return;
                e.preventDefault();
                const p = rf.screenToFlowPosition({ x: e.clientX, y: e.clientY });
                addAt(type, { x: p.x - NODE_W / 2, y: p.y - 20 });
              }}
            >
              {/* Messages float over the top of the canvas instead of pushing it down, left of the
                  parameter binding in the top right corner. */}
              <div className="pointer-events-none absolute top-0 right-60 left-0 z-10 flex flex-col gap-1 p-2" data-testid="canvas-notices">
                {banner ? (
                  <div className="pointer-events-auto rounded-md shadow">
                    <BannerView banner={banner} reload={save.saveState === "stale"} onDismiss={() => setBanner(null)} />
                  </div>
                ) : null}
                {!banner && save.saveState !== "stale" ? (
                  <div className="pointer-events-auto rounded-md shadow empty:hidden">
                    <ElsewhereNotice store={store} revision={save.revision} busy={save.busy} />
                  </div>
                ) : null}
                {save.pending.length ? (
                  <div role="status" className="pointer-events-auto rounded-md bg-amber-50 px-4 py-1.5 text-sm text-amber-900 shadow">
                    The running engine still runs an earlier version: the saved flow has problems that keep it from being deployed ({save.pending[0]?.path}: {save.pending[0]?.message}).
                  </div>
                ) : null}
                {showProblems ? (
                  <div className="pointer-events-auto max-h-48 overflow-y-auto rounded-md border border-amber-200 bg-amber-50 px-4 py-2 text-sm shadow" data-testid="problems-panel">
                    <ProblemsList
                      doc={doc}
                      analysis={analysis}
                      typeMap={typeMap}
                      onSelect={(t) => {
                        if (t.kind === "processor") {
                          const p = docRef.current.processors.find((x) => x.id === t.id);
                          if (p) canvas.focus(p.id, p.group);
                        } else setPanel({ kind: "connection", id: t.id });
                      }}
                    />
                  </div>
                ) : null}
              </div>
              <DetailLevel>
                <ReactFlow
                  nodes={nodes}
                  edges={edges}
                  nodeTypes={nodeTypes}
                  edgeTypes={edgeTypes}
                  onNodesChange={canvas.onNodesChange}
                  onEdgesChange={canvas.onEdgesChange}
                  onNodeDragStop={onNodeDragStop}
                  onConnect={onConnect}
                  isValidConnection={isValidConnection}
                  nodesDraggable={!readOnly}
                  nodesConnectable={!readOnly}
                  onNodeDoubleClick={onNodeDoubleClick}
                  onEdgeDoubleClick={onEdgeDoubleClick}
                  onNodeContextMenu={onNodeContextMenu}
                  onEdgeContextMenu={onEdgeContextMenu}
                  onPaneContextMenu={onCanvasContextMenu}
                  onSelectionContextMenu={onCanvasContextMenu}
                  colorMode={colorMode}
                  deleteKeyCode={null}
                  panOnDrag={PAN_BUTTONS}
                  selectionKeyCode="Shift"
                  multiSelectionKeyCode={MULTI_SELECTION_KEYS}
                  connectionRadius={40}
                  // Fit only a flow that has something to show: on an empty canvas React Flow would
                  // fit (and zoom right in on) the first processor dropped.
                  fitView={initial.document.processors.length > 0}
                  fitViewOptions={FIT_OPTIONS}
                  minZoom={MIN_ZOOM}
                  proOptions={PRO_OPTIONS}
                >
                  <Background gap={20} />
                  {/* A side panel narrows the canvas: the minimap would then cover the nodes. */}
                  {panel ? null : <MiniMap pannable zoomable nodeColor={miniMapColor} nodeBorderRadius={6} />}
                  <Controls showInteractive={false} />
                </ReactFlow>
              </DetailLevel>
              <ParameterBinding doc={doc} groupId={groupId} contexts={parameterContexts.contexts} readOnly={readOnly} onChange={commit} />
              {nodes.length === 0 ? (
                <div className="pointer-events-none absolute inset-0 flex items-center justify-center text-sm text-slate-400">
                  {readOnly ? "This flow has no processors yet." : "Drag a processor from the palette onto the canvas to start."}
                </div>
              ) : null}
            </section>
            {panel ? (
              <aside className="w-[400px] shrink-0 border-l border-slate-200 bg-white" aria-label="Side panel">
                {panel.kind === "processor" && panelProcessor ? (
                  <ConfigPanel
                    key={panelProcessor.id}
                    proc={panelProcessor}
                    info={typeMap.get(panelProcessor.type)}
                    relationships={relationshipsOf(panelProcessor.id)}
                    parameters={scopeFor(parameterContexts.contexts, doc, panelProcessor.group)}
                    elFunctions={elFunctions}
                    readOnly={readOnly || configRefusal !== null}
                    notice={readOnly ? null : configRefusal}
                    connected={connectedRelationships(doc, panelProcessor.id)}
                    canvasProblems={analysis.processors[panelProcessor.id]?.problems ?? []}
                    onCancel={closePanel}
                    onApply={(patch) => {
                      commit(updateProcessor(docRef.current, panelProcessor.id, patch));
                      setPanel(null);
                    }}
                  />
                ) : null}
                {panel.kind === "connection" && panelConnection ? (
                  <ConnectionPanel
                    key={`${panelConnection.id}-${panel.kind === "connection" && panel.listQueue ? "list" : ""}`}
                    listOnOpen={panel.kind === "connection" && panel.listQueue === true}
                    clusterMode={clusterMode}
                    flowId={flowId}
                    connection={panelConnection}
                    sourceName={nameOf(panelConnection.source)}
                    destinationName={nameOf(panelConnection.destination)}
                    sourceRelationships={relationshipsOf(panelConnection.source)}
                    readOnly={readOnly}
                    canEmpty={perms.emptyQueues}
                    canViewData={perms.viewData}
                    onCancel={closePanel}
                    onApply={(patch) => {
                      commit(updateConnection(docRef.current, panelConnection.id, patch));
                      setPanel(null);
                    }}
                  />
                ) : null}
                {panel.kind === "versions" ? (
                  <VersionsPanel
                    flowId={flowId}
                    revision={save.revision}
                    flushSave={save.flush}
                    canWrite={perms.write}
                    onClose={closePanel}
                    onReverted={(r) => {
                      if (!r.document) return;
                      record(docRef.current);
                      save.adoptStored(r, r.document);
                    }}
                  />
                ) : null}
                {panel.kind === "history" ? <AuditPanel flowId={flowId} onClose={closePanel} /> : null}
                {panel.kind === "status-history" ? <StatusHistoryPanel key={panel.componentId} flowId={flowId} componentId={panel.componentId} onClose={closePanel} /> : null}
                {(panel.kind === "processor" && !panelProcessor) || (panel.kind === "connection" && !panelConnection) ? (
                  <div className="p-4 text-sm text-slate-500">
                    This component no longer exists.{" "}
                    <button type="button" className="text-sky-700 underline" onClick={closePanel}>
                      Close
                    </button>
                  </div>
                ) : null}
              </aside>
            ) : null}
          </div>

          <BulletinBar store={store} />
        </div>

        {draft ? (
          <ConnectDialog
            draft={draft}
            doc={doc}
            groupId={groupId}
            relationshipsOf={relationshipsOf}
            nameOf={nameOf}
            acceptsInput={(type) => typeMap.get(type)?.input !== "forbidden"}
            onCancel={() => setDraft(null)}
            onConnect={(source, destination, rels) => {
              commit(addConnection(docRef.current, source, destination, rels).doc);
              setDraft(null);
            }}
          />
        ) : null}
        {groupDialog ? (
          <Modal title="Group the selection" onClose={() => setGroupDialog(null)}>
            <form
              onSubmit={(e) => {
                e.preventDefault();
                if (groupDialog.name.trim()) makeGroup(groupDialog.name.trim());
              }}
            >
              <label className="block text-sm">
                <span className="font-medium">Process group name</span>
                <input autoFocus aria-label="Process group name" value={groupDialog.name} onChange={(e) => setGroupDialog({ name: e.target.value })} className="mt-1 w-full rounded-md border border-slate-300 px-2 py-1" />
              </label>
              <p className="mt-2 text-xs text-slate-500">Connections that cross the group boundary become its input and output ports.</p>
              <div className="mt-4 flex justify-end gap-2">
                <button type="button" onClick={() => setGroupDialog(null)} className={btn}>
                  Cancel
                </button>
                <button type="submit" disabled={!groupDialog.name.trim()} className="rounded-md bg-sky-600 px-3 py-1 text-sm text-white disabled:bg-slate-300">
                  Create group
                </button>
              </div>
            </form>
          </Modal>
        ) : null}
        {menu && menuContent ? <ContextMenu x={menu.x} y={menu.y} label={menuContent.label} items={menuContent.items} onClose={closeMenu} /> : null}
        {showHelp ? <KeyboardHelp onClose={() => setShowHelp(false)} /> : null}
        {selectedGroup !== undefined && !readOnly && !groupDialog && !draft ? (
          <GroupRename key={selectedGroup} name={doc.groups.find((g) => g.id === selectedGroup)?.name ?? ""} onRename={(name) => commit(renameGroup(docRef.current, selectedGroup, name))} />
        ) : null}
      </CanvasContext.Provider>
    </LiveContext.Provider>
  );
}
