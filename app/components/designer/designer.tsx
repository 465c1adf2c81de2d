"use client";
/**
 * The flow designer: a live React Flow canvas of one flow.
 *
 * State model: the flow document is the single source of truth. Every edit is a pure function
 * of the document (model.ts) that is pushed on the undo history and saved, debounced, with the
 * revision it was based on (a stale revision is refused by the server with 409 and editing
 * stops until reload, so nothing is silently overwritten). React Flow's node list is derived
 * from the document for the current process-group level; only transient things (selection,
 * measured sizes, positions while dragging) live in React Flow's state. Live numbers arrive
 * over Server-Sent Events into a LiveStore that nodes and edges subscribe to one by one.
 */
import {
  Background,
  Controls,
  MarkerType,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  applyEdgeChanges,
  applyNodeChanges,
  useReactFlow,
  type Connection,
  type Edge,
  type EdgeChange,
  type Node,
  type NodeChange,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import Link from "next/link";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { ElFunctionInfo, FlowAnalysis, FlowDocument, FlowProblem, ProcessorConfig, ProcessorTypeInfo } from "../../lib/engine-client";
import type { EditorFlow, SaveResult } from "../../lib/flow-service";
import type { StatusFrame } from "../../lib/live";
import { api } from "./api-client";
import { edgeTypes, LiveContext, nodeTypes, type ConnectionEdgeData, type GroupNodeData, type PortNodeData, type ProcessorNodeData } from "./canvas-parts";
import { ConfigPanel } from "./config-panel";
import { ConnectionPanel } from "./connection-panel";
import { ConnectDialog, GroupRename, Modal, type ConnectDraft } from "./dialogs";
import { emptyHistory, record, redo as redoHistory, undo as undoHistory, type History } from "./history";
import { autoLayout } from "./layout";
import { LiveStore } from "./live-store";
import {
  addConnection,
  addProcessor,
  copyProcessors,
  deleteComponents,
  groupComponents,
  groupNodeId,
  groupPath,
  IN_PORT,
  inSubtree,
  keepRunStates,
  levelView,
  moveComponents,
  OUT_PORT,
  pasteClip,
  renameGroup,
  subtreeGroups,
  ungroup,
  updateConnection,
  updateProcessor,
  type Clip,
} from "./model";
import { Palette, PALETTE_MIME } from "./palette";
import { BulletinBar, DeployBadge, ElsewhereNotice } from "./status-bits";
import { VersionsPanel } from "./versions-panel";

/** Props: the flow as loaded on the server, and the catalog (processor types, EL functions). */
export interface DesignerProps {
  initial: EditorFlow;
  types: ProcessorTypeInfo[];
  elFunctions: ElFunctionInfo[];
  /** Sensitive property names by type (not copied on copy/paste). */
  sensitive: Record<string, string[]>;
}

type Panel = { kind: "processor"; id: string } | { kind: "connection"; id: string } | { kind: "versions" };
type SaveState = "saved" | "pending" | "saving" | "error" | "stale";
interface Banner {
  kind: "error" | "info";
  text: string;
  problems?: FlowProblem[];
}

const SAVE_DELAY_MS = 400;
const CLIPBOARD_KEY = "sluice.clipboard";
const NODE_W = 240;
const NODE_H = 90;

function isEditable(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  const tag = el.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
}

function mergeStates(doc: FlowDocument, states: Map<string, ProcessorConfig["state"]>): FlowDocument {
  let changed = false;
  const processors = doc.processors.map((p) => {
    const s = states.get(p.id);
    if (s === undefined || s === p.state) return p;
    changed = true;
    return { ...p, state: s };
  });
  return changed ? { ...doc, processors } : doc;
}

export function Designer(props: DesignerProps) {
  return (
    <ReactFlowProvider>
      <DesignerInner {...props} />
    </ReactFlowProvider>
  );
}

function DesignerInner({ initial, types, elFunctions, sensitive }: DesignerProps) {
  const flowId = initial.id;
  const rf = useReactFlow();
  const typeMap = useMemo(() => new Map(types.map((t) => [t.type, t])), [types]);
  const store = useMemo(() => new LiveStore(), []);

  const [doc, setDoc] = useState<FlowDocument>(initial.document);
  const docRef = useRef(doc);
  const savedRef = useRef(initial.document);
  const [history, setHistoryState] = useState<History>(emptyHistory);
  const historyRef = useRef(history);
  const setHistory = (h: History) => {
    historyRef.current = h;
    setHistoryState(h);
  };
  const revisionRef = useRef(initial.revision);
  const [revision, setRevision] = useState(initial.revision);
  const [analysis, setAnalysis] = useState<FlowAnalysis>(initial.analysis);
  const [pending, setPending] = useState<FlowProblem[]>([]);
  const [saveState, setSaveState] = useState<SaveState>("saved");
  const [banner, setBanner] = useState<Banner | null>(null);
  const [groupId, setGroupId] = useState<string | undefined>(undefined);
  const [panel, setPanel] = useState<Panel | null>(null);
  const [draft, setDraft] = useState<ConnectDraft | null>(null);
  const [groupDialog, setGroupDialog] = useState<{ name: string } | null>(null);
  const [search, setSearch] = useState("");
  const [showProblems, setShowProblems] = useState(false);
  const busy = useRef(0);
  const blocked = useRef(false);
  const saveTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const inFlight = useRef<Promise<boolean> | null>(null);
  const pasteCount = useRef(0);
  const selectNext = useRef<Set<string> | null>(null);
  const focusNext = useRef<string | null>(null);

  const setRev = (r: number) => {
    revisionRef.current = r;
    setRevision(r);
  };

  // ---- live status over Server-Sent Events -------------------------------------------------
  useEffect(() => {
    const es = new EventSource(`/api/flows/${flowId}/events`);
    es.addEventListener("status", (e) => {
      try {
        store.set(JSON.parse((e as MessageEvent<string>).data) as StatusFrame);
      } catch {
        // a malformed frame is skipped; the next one replaces it
      }
    });
    es.addEventListener("gone", () => {
      es.close();
      blocked.current = true;
      setBanner({ kind: "error", text: "This flow was deleted." });
    });
    return () => es.close();
  }, [flowId, store]);


  // ---- saving --------------------------------------------------------------------------------
  const flush = useCallback(async (): Promise<boolean> => {
    clearTimeout(saveTimer.current);
    while (inFlight.current) await inFlight.current;
    if (blocked.current) return false;
    const toSave = docRef.current;
    if (toSave === savedRef.current) {
      setSaveState("saved");
      return true;
    }
    const attempt = (async () => {
      busy.current++;
      setSaveState("saving");
      try {
        const r = await api<SaveResult>("PUT", `/api/flows/${flowId}`, { revision: revisionRef.current, document: toSave });
        if (r.ok) {
          setRev(r.data.revision);
          savedRef.current = toSave;
          setAnalysis(r.data.analysis);
          setPending(r.data.pending);
          setSaveState(docRef.current === toSave ? "saved" : "pending");
          return true;
        }
        if (r.code === "stale") {
          blocked.current = true;
          setSaveState("stale");
          setBanner({ kind: "error", text: r.error });
          return false;
        }
        if (r.code === "queue-not-empty") {
          // Nothing was saved: go back to the saved document so the canvas shows the truth.
          docRef.current = savedRef.current;
          setDoc(savedRef.current);
          setSaveState("saved");
          setBanner({ kind: "error", text: r.error });
          return false;
        }
        setSaveState("error");
        setBanner({ kind: "error", text: `Not saved: ${r.error}`, problems: r.problems });
        return false;
      } finally {
        busy.current--;
      }
    })();
    inFlight.current = attempt;
    const ok = await attempt;
    inFlight.current = null;
    if (ok && docRef.current !== savedRef.current && !blocked.current) return flush();
    return ok;
  }, [flowId]);

  const scheduleSave = useCallback(() => {
    if (blocked.current) return;
    setSaveState("pending");
    clearTimeout(saveTimer.current);
    saveTimer.current = setTimeout(() => void flush(), SAVE_DELAY_MS);
  }, [flush]);

  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (docRef.current !== savedRef.current && !blocked.current) e.preventDefault();
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, []);

  /** Makes `next` the document: recorded for undo, saved soon. */
  const commit = useCallback(
    (next: FlowDocument) => {
      const prev = docRef.current;
      if (next === prev) return;
      if (blocked.current) {
        setBanner({ kind: "error", text: "Editing is paused: this flow changed elsewhere. Reload to continue." });
        return;
      }
      setHistory(record(historyRef.current, prev));
      docRef.current = next;
      setDoc(next);
      scheduleSave();
    },
    [scheduleSave],
  );

  const undo = useCallback(() => {
    const r = undoHistory(historyRef.current, docRef.current);
    if (!r || blocked.current) return;
    const next = keepRunStates(r.doc, docRef.current);
    setHistory(r.history);
    docRef.current = next;
    setDoc(next);
    scheduleSave();
  }, [scheduleSave]);

  const redo = useCallback(() => {
    const r = redoHistory(historyRef.current, docRef.current);
    if (!r || blocked.current) return;
    const next = keepRunStates(r.doc, docRef.current);
    setHistory(r.history);
    docRef.current = next;
    setDoc(next);
    scheduleSave();
  }, [scheduleSave]);

  // ---- the canvas ---------------------------------------------------------------------------
  const view = useMemo(() => levelView(doc, groupId), [doc, groupId]);
  const [nodes, setNodes] = useState<Node[]>([]);
  const [edges, setEdges] = useState<Edge[]>([]);

  // Switching levels fits the new level into view once its nodes are built and measured.
  const fitState = useRef<"idle" | "level-changed" | "built">("idle");
  const showLevel = useCallback((gid: string | undefined) => {
    setGroupId(gid);
    fitState.current = "level-changed";
  }, []);
  const enterGroup = useCallback(
    (gid: string) => {
      showLevel(gid);
      setPanel(null);
    },
    [showLevel],
  );
  useEffect(() => {
    if (fitState.current !== "built" || nodes.some((n) => !n.measured?.width)) return;
    fitState.current = "idle";
    void rf.fitView({ padding: 0.2, maxZoom: 1.2, duration: 200 });
  }, [nodes, rf]);

  const openConnection = useCallback((id: string) => setPanel({ kind: "connection", id }), []);

  useEffect(() => {
    setNodes((prev) => {
      const prevById = new Map(prev.map((n) => [n.id, n]));
      const select = selectNext.current;
      const out: Node[] = [];
      let minX = Infinity;
      let maxX = -Infinity;
      let sumY = 0;
      view.processors.forEach((p, i) => {
        const old = prevById.get(p.id);
        const position = old?.dragging ? old.position : (p.position ?? { x: (i % 4) * 280, y: Math.floor(i / 4) * 170 });
        minX = Math.min(minX, position.x);
        maxX = Math.max(maxX, position.x);
        sumY += position.y;
        const problems = analysis.processors[p.id]?.problems ?? [];
        const selected = select ? select.has(p.id) : (old?.selected ?? false);
        const data = old?.data as ProcessorNodeData | undefined;
        if (old && data?.proc === p && data.problems === problems && old.selected === selected && old.position === position) {
          out.push(old);
          return;
        }
        out.push({ ...old, id: p.id, type: "processor", position, selected, data: { proc: p, problems } satisfies ProcessorNodeData });
      });
      const subtreeOf = new Map(view.groups.map((g) => [g.id, subtreeGroups(doc, g.id)]));
      view.groups.forEach((g, i) => {
        const id = groupNodeId(g.id);
        const old = prevById.get(id);
        const position = old?.dragging ? old.position : (g.position ?? { x: (i % 4) * 280, y: -200 });
        minX = Math.min(minX, position.x);
        maxX = Math.max(maxX, position.x);
        sumY += position.y;
        const sub = subtreeOf.get(g.id)!;
        const inside = doc.processors.filter((p) => p.group !== undefined && sub.has(p.group));
        const ids = new Set(inside.map((p) => p.id));
        const data: GroupNodeData = {
          name: g.name,
          groupId: g.id,
          processors: inside.length,
          running: inside.filter((p) => p.state === "running").length,
          invalid: inside.filter((p) => (analysis.processors[p.id]?.problems.length ?? 0) > 0).length,
          inputs: doc.connections.filter((c) => ids.has(c.destination) && !ids.has(c.source)).length,
          outputs: doc.connections.filter((c) => ids.has(c.source) && !ids.has(c.destination)).length,
          onEnter: enterGroup,
        };
        const selected = select ? select.has(id) : (old?.selected ?? false);
        out.push({ ...old, id, type: "processGroup", position, selected, data });
      });
      const count = view.processors.length + view.groups.length;
      const midY = count ? sumY / count : 0;
      if (!Number.isFinite(minX)) {
        minX = 0;
        maxX = 0;
      }
      if (view.inPort) {
        const data: PortNodeData = { direction: "in", count: view.edges.filter((e) => e.source === IN_PORT).length };
        out.push({ ...prevById.get(IN_PORT), id: IN_PORT, type: "port", position: { x: minX - 320, y: midY }, draggable: false, selectable: false, data });
      }
      if (view.outPort) {
        const data: PortNodeData = { direction: "out", count: view.edges.filter((e) => e.target === OUT_PORT).length };
        out.push({ ...prevById.get(OUT_PORT), id: OUT_PORT, type: "port", position: { x: maxX + 360, y: midY }, draggable: false, selectable: false, data });
      }
      selectNext.current = null;
      if (fitState.current === "level-changed") fitState.current = "built";
      return out;
    });
    setEdges((prev) => {
      const prevById = new Map(prev.map((e) => [e.id, e]));
      return view.edges.map((e) => {
        const old = prevById.get(e.id);
        const problems = analysis.connections[e.id]?.problems ?? [];
        const data = old?.data as ConnectionEdgeData | undefined;
        if (old && data?.connection === e.connection && data.problems === problems && old.source === e.source && old.target === e.target) return old;
        return {
          id: e.id,
          source: e.source,
          target: e.target,
          type: "connection",
          selected: old?.selected ?? false,
          markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18, color: "#64748b" },
          data: { connection: e.connection, problems, onOpen: openConnection } satisfies ConnectionEdgeData,
        };
      });
    });
  }, [view, analysis, doc, enterGroup, openConnection]);

  // Centre on a component found by search once its level is shown.
  useEffect(() => {
    const id = focusNext.current;
    if (!id) return;
    const n = nodes.find((x) => x.id === id);
    if (!n) return;
    focusNext.current = null;
    setNodes((nds) => nds.map((x) => (x.selected !== (x.id === id) ? { ...x, selected: x.id === id } : x)));
    void rf.setCenter(n.position.x + NODE_W / 2, n.position.y + NODE_H / 2, { zoom: 1.1, duration: 300 });
  }, [nodes, rf]);

  const onNodesChange = useCallback((changes: NodeChange[]) => setNodes((nds) => applyNodeChanges(changes, nds)), []);
  const onEdgesChange = useCallback((changes: EdgeChange[]) => setEdges((eds) => applyEdgeChanges(changes, eds)), []);

  const onNodeDragStop = useCallback(
    (_e: unknown, _n: Node, dragged: Node[]) => {
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
    [commit],
  );

  const selectedNodes = nodes.filter((n) => n.selected);
  const selectedProcessors = selectedNodes.filter((n) => n.type === "processor").map((n) => n.id);
  const selectedGroups = selectedNodes.filter((n) => n.type === "processGroup").map((n) => (n.data as GroupNodeData).groupId);
  const selectedEdges = edges.filter((e) => e.selected).map((e) => e.id);

  // ---- editing commands ---------------------------------------------------------------------
  const addAt = useCallback(
    (type: string, position: { x: number; y: number }) => {
      const info = typeMap.get(type);
      if (!info) return;
      const r = addProcessor(docRef.current, info, position, groupId);
      selectNext.current = new Set([r.id]);
      commit(r.doc);
    },
    [typeMap, groupId, commit],
  );

  const addAtCenter = (type: string) => {
    const el = document.querySelector(".react-flow");
    const rect = el?.getBoundingClientRect();
    const p = rf.screenToFlowPosition({ x: (rect?.left ?? 0) + (rect?.width ?? 800) / 2, y: (rect?.top ?? 0) + (rect?.height ?? 600) / 2 });
    addAt(type, { x: p.x - NODE_W / 2 + pasteCount.current * 10, y: p.y - NODE_H / 2 });
  };

  const deleteSelection = useCallback(() => {
    const procs = nodes.filter((n) => n.selected && n.type === "processor").map((n) => n.id);
    const groups = nodes.filter((n) => n.selected && n.type === "processGroup").map((n) => (n.data as GroupNodeData).groupId);
    const conns = edges.filter((e) => e.selected).map((e) => e.id);
    if (procs.length + groups.length + conns.length === 0) return;
    commit(deleteComponents(docRef.current, { processors: procs, groups, connections: conns }));
    if (panel && panel.kind !== "versions" && (procs.includes(panel.id) || conns.includes(panel.id))) setPanel(null);
  }, [nodes, edges, commit, panel]);

  const copy = useCallback(() => {
    const ids = nodes.filter((n) => n.selected && n.type === "processor").map((n) => n.id);
    if (!ids.length) return;
    const clip = copyProcessors(docRef.current, ids, (t) => sensitive[t] ?? []);
    try {
      localStorage.setItem(CLIPBOARD_KEY, JSON.stringify(clip));
    } catch {
      // storage full or disabled: copy is lost, nothing else breaks
    }
    pasteCount.current = 0;
    setBanner({ kind: "info", text: `Copied ${ids.length} processor${ids.length === 1 ? "" : "s"}.` });
  }, [nodes, sensitive]);

  const paste = useCallback(() => {
    let clip: Clip | null = null;
    try {
      clip = JSON.parse(localStorage.getItem(CLIPBOARD_KEY) ?? "null") as Clip | null;
    } catch {
      clip = null;
    }
    if (!clip?.processors?.length) return;
    const known = clip.processors.filter((p) => typeMap.has(p.type));
    pasteCount.current += 1;
    const r = pasteClip(docRef.current, { processors: known, connections: clip.connections ?? [] }, groupId, { x: 40 * pasteCount.current, y: 40 * pasteCount.current });
    selectNext.current = new Set(r.ids);
    commit(r.doc);
  }, [typeMap, groupId, commit]);

  const selectAll = useCallback(() => {
    setNodes((nds) => nds.map((n) => (n.selectable === false || n.selected ? n : { ...n, selected: true })));
    setEdges((eds) => eds.map((e) => (e.selected ? e : { ...e, selected: true })));
  }, []);

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
    const r = groupComponents(docRef.current, { processors: selectedProcessors, groups: selectedGroups }, name, groupId);
    selectNext.current = new Set([groupNodeId(r.id)]);
    commit(r.doc);
    setGroupDialog(null);
  };

  // ---- run control --------------------------------------------------------------------------
  const runIds = (): string[] | undefined => {
    if (!selectedProcessors.length && !selectedGroups.length) return groupId === undefined ? undefined : docRef.current.processors.filter((p) => inSubtree(docRef.current, p, groupId)).map((p) => p.id);
    const ids = new Set(selectedProcessors);
    for (const g of selectedGroups) {
      const sub = subtreeGroups(docRef.current, g);
      for (const p of docRef.current.processors) if (p.group !== undefined && sub.has(p.group)) ids.add(p.id);
    }
    return [...ids];
  };

  const run = async (action: "start" | "stop") => {
    if (!(await flush())) return;
    const ids = runIds();
    busy.current++;
    try {
      const r = await api<SaveResult & { failures: Array<{ id: string; message: string }> }>("POST", `/api/flows/${flowId}/run`, { action, processors: ids });
      if (!r.ok) {
        setBanner({ kind: "error", text: r.error, problems: r.problems });
        return;
      }
      setRev(r.data.revision);
      setAnalysis(r.data.analysis);
      setPending(r.data.pending);
      const states = new Map((r.data.document?.processors ?? []).map((p) => [p.id, p.state]));
      const wasSaved = docRef.current === savedRef.current;
      savedRef.current = mergeStates(savedRef.current, states);
      const next = wasSaved ? savedRef.current : mergeStates(docRef.current, states);
      docRef.current = next;
      setDoc(next);
      if (docRef.current !== savedRef.current) scheduleSave();
      if (r.data.failures.length) setBanner({ kind: "error", text: r.data.failures.map((f) => f.message).join("\n") });
      else setBanner(null);
    } finally {
      busy.current--;
    }
  };

  // ---- keyboard -----------------------------------------------------------------------------
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isEditable(e.target) || draft || groupDialog) return;
      const mod = e.ctrlKey || e.metaKey;
      const k = e.key.toLowerCase();
      if ((e.key === "Delete" || e.key === "Backspace") && !mod) {
        e.preventDefault();
        deleteSelection();
      } else if (mod && k === "z" && !e.shiftKey) {
        e.preventDefault();
        undo();
      } else if (mod && ((k === "z" && e.shiftKey) || k === "y")) {
        e.preventDefault();
        redo();
      } else if (mod && k === "c") {
        copy();
      } else if (mod && k === "v") {
        e.preventDefault();
        paste();
      } else if (mod && k === "a") {
        e.preventDefault();
        selectAll();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [deleteSelection, undo, redo, copy, paste, selectAll, draft, groupDialog]);

  // ---- connecting ---------------------------------------------------------------------------
  const isValidConnection = useCallback(
    (c: Connection | Edge) => {
      if (c.target === IN_PORT || c.source === OUT_PORT || (c.source === IN_PORT && c.target === OUT_PORT)) return false;
      const dst = docRef.current.processors.find((p) => p.id === c.target);
      if (dst && typeMap.get(dst.type)?.input === "forbidden") return false;
      return true;
    },
    [typeMap],
  );
  const onConnect = useCallback((c: Connection) => {
    if (c.source && c.target) setDraft({ source: c.source, target: c.target });
  }, []);

  // ---- search -------------------------------------------------------------------------------
  const results = useMemo(() => {
    const q = search.trim().toLowerCase();
    if (!q) return [];
    const procs = doc.processors
      .filter((p) => (p.name ?? p.type).toLowerCase().includes(q) || p.type.toLowerCase().includes(q) || p.id.toLowerCase() === q)
      .map((p) => ({ kind: "processor" as const, id: p.id, name: p.name ?? p.type, detail: p.type, group: p.group }));
    const groups = doc.groups.filter((g) => g.name.toLowerCase().includes(q)).map((g) => ({ kind: "group" as const, id: g.id, name: g.name, detail: "Process group", group: g.parent }));
    return [...procs, ...groups].slice(0, 12);
  }, [search, doc]);

  const goTo = (r: (typeof results)[number]) => {
    setSearch("");
    focusNext.current = r.kind === "group" ? groupNodeId(r.id) : r.id;
    if (r.group !== groupId) setGroupId(r.group);
    else setNodes((nds) => [...nds]);
  };

  // ---- derived bits for the chrome --------------------------------------------------------
  const crumbs = groupPath(doc, groupId);
  const problemCount = analysis.problems.length;
  const panelProcessor = panel?.kind === "processor" ? doc.processors.find((p) => p.id === panel.id) : undefined;
  const panelConnection = panel?.kind === "connection" ? doc.connections.find((c) => c.id === panel.id) : undefined;
  const nameOf = (id: string) => {
    const p = doc.processors.find((x) => x.id === id);
    return p ? (p.name ?? p.type) : id;
  };
  const relationshipsOf = (id: string): string[] => {
    const p = doc.processors.find((x) => x.id === id);
    if (!p) return [];
    return analysis.processors[id]?.relationships ?? typeMap.get(p.type)?.relationships.map((r) => r.name) ?? [];
  };
  const hasSelection = selectedProcessors.length + selectedGroups.length > 0;

  const exportFlow = async () => {
    await flush();
    window.location.href = `/api/flows/${flowId}/export`;
  };

  const saveLabel: Record<SaveState, string> = {
    saved: "Saved",
    pending: "Unsaved…",
    saving: "Saving…",
    error: "Not saved",
    stale: "Not saved (changed elsewhere)",
  };

  const btn = "rounded-md border border-slate-300 bg-white px-2 py-0.5 text-xs text-slate-700 hover:bg-slate-100 disabled:cursor-not-allowed disabled:opacity-40";

  return (
    <LiveContext.Provider value={store}>
      <div className="flex h-[calc(100vh-3.5rem)] min-h-[560px] flex-col" data-testid="designer">
        <div className="flex items-center gap-1.5 overflow-x-auto border-b border-slate-200 bg-white px-3 py-1.5 whitespace-nowrap">
          <Link href="/" className="text-sm text-sky-700 hover:underline">
            ← Flows
          </Link>
          <h1 className="max-w-56 shrink-0 truncate text-base font-semibold" title={doc.description ?? doc.name}>
            {doc.name}
          </h1>
          <nav aria-label="Process group breadcrumbs" className="flex items-center gap-1 text-sm">
            <button type="button" onClick={() => showLevel(undefined)} className={`rounded px-1.5 ${groupId === undefined ? "font-semibold text-slate-900" : "text-sky-700 hover:underline"}`}>
              Root
            </button>
            {crumbs.map((g) => (
              <span key={g.id} className="flex items-center gap-1">
                <span className="text-slate-400">›</span>
                <button type="button" onClick={() => showLevel(g.id)} className={`rounded px-1.5 ${g.id === groupId ? "font-semibold text-slate-900" : "text-sky-700 hover:underline"}`}>
                  {g.name}
                </button>
              </span>
            ))}
          </nav>
          <div className="mx-1 h-6 w-px bg-slate-200" />
          <button type="button" className={`${btn} !border-emerald-600 !bg-emerald-600 !text-white hover:!bg-emerald-700`} onClick={() => void run("start")} aria-label={hasSelection ? "Start selected" : "Start all"}>
            ▶ {hasSelection ? "Start selected" : groupId ? "Start group" : "Start all"}
          </button>
          <button type="button" className={`${btn} !border-red-600 !text-red-700`} onClick={() => void run("stop")} aria-label={hasSelection ? "Stop selected" : "Stop all"}>
            ■ {hasSelection ? "Stop selected" : groupId ? "Stop group" : "Stop all"}
          </button>
          <div className="mx-1 h-6 w-px bg-slate-200" />
          <button type="button" className={btn} onClick={undo} disabled={!history.past.length} title="Undo (Ctrl+Z)" aria-label="Undo">
            ↶
          </button>
          <button type="button" className={btn} onClick={redo} disabled={!history.future.length} title="Redo (Ctrl+Shift+Z)" aria-label="Redo">
            ↷
          </button>
          {selectedProcessors.length ? (
            <button type="button" className={btn} onClick={copy} title="Copy (Ctrl+C)">
              Copy
            </button>
          ) : null}
          <button type="button" className={btn} onClick={paste} title="Paste (Ctrl+V)">
            Paste
          </button>
          {hasSelection || selectedEdges.length ? (
            <button type="button" className={btn} onClick={deleteSelection} title="Delete (Del)">
              Delete
            </button>
          ) : null}
          {hasSelection ? (
            <button type="button" className={btn} onClick={() => setGroupDialog({ name: "New group" })} title="Group the selection into a process group">
              Group
            </button>
          ) : null}
          {selectedGroups.length === 1 ? (
            <button type="button" className={btn} onClick={() => commit(ungroup(docRef.current, selectedGroups[0]!))} title="Move the group's content up one level">
              Ungroup
            </button>
          ) : null}
          <button type="button" className={btn} onClick={() => void layout()} title="Arrange this level automatically">
            Auto-layout
          </button>
          {selectedProcessors.length === 1 ? (
            <button type="button" className={btn} onClick={() => setPanel({ kind: "processor", id: selectedProcessors[0]! })}>
              Configure
            </button>
          ) : null}
          <div className="relative">
            <input
              type="search"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter" && results[0]) goTo(results[0]);
                if (e.key === "Escape") setSearch("");
              }}
              placeholder="Find component…"
              aria-label="Find component"
              className="w-40 rounded-md border border-slate-300 px-2 py-0.5 text-xs"
            />
            {results.length ? (
              <ul className="absolute top-9 left-0 z-30 w-72 rounded-md border border-slate-200 bg-white py-1 shadow-lg" role="listbox" aria-label="Search results">
                {results.map((r) => (
                  <li key={`${r.kind}-${r.id}`}>
                    <button type="button" role="option" aria-selected={false} onClick={() => goTo(r)} className="block w-full px-3 py-1 text-left text-sm hover:bg-sky-50">
                      <span className="font-medium">{r.name}</span> <span className="text-xs text-slate-500">{r.detail}</span>
                    </button>
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
          <div className="ml-auto flex items-center gap-1.5 pl-2">
            <button type="button" className={`${btn} ${problemCount ? "!border-amber-400 !text-amber-800" : ""}`} onClick={() => setShowProblems((s) => !s)} aria-expanded={showProblems}>
              Problems ({problemCount})
            </button>
            <button type="button" className={btn} onClick={() => setPanel(panel?.kind === "versions" ? null : { kind: "versions" })}>
              Versions
            </button>
            <button type="button" className={btn} onClick={() => void exportFlow()}>
              Export
            </button>
            <a href={`/flows/${flowId}/provenance`} className={btn}>
              Provenance
            </a>
            <span
              data-testid="save-state"
              data-state={saveState}
              className={`text-xs ${saveState === "saved" ? "text-slate-500" : saveState === "stale" || saveState === "error" ? "text-red-700" : "text-amber-700"}`}
              aria-live="polite"
            >
              {saveLabel[saveState]}
            </span>
            <DeployBadge store={store} />
          </div>
        </div>

        {banner ? (
          <div role="alert" data-testid="banner" className={`flex items-start gap-3 px-4 py-2 text-sm ${banner.kind === "error" ? "bg-red-50 text-red-800" : "bg-sky-50 text-sky-900"}`}>
            <div className="min-w-0 flex-1 whitespace-pre-line">
              {banner.text}
              {banner.problems?.length ? (
                <ul className="mt-1 list-disc pl-5 text-xs">
                  {banner.problems.slice(0, 12).map((p, i) => (
                    <li key={i}>
                      <code>{p.path}</code>: {p.message}
                    </li>
                  ))}
                </ul>
              ) : null}
            </div>
            {saveState === "stale" ? (
              <button type="button" onClick={() => window.location.reload()} className="rounded bg-red-700 px-2 py-0.5 text-white">
                Reload
              </button>
            ) : null}
            <button type="button" aria-label="Dismiss" onClick={() => setBanner(null)} className="px-1 text-lg leading-none">
              ×
            </button>
          </div>
        ) : null}
        {!banner && saveState !== "stale" ? <ElsewhereNotice store={store} revision={revision} busy={busy} /> : null}
        {pending.length ? (
          <div role="status" className="bg-amber-50 px-4 py-1.5 text-sm text-amber-900">
            The running engine still runs an earlier version: the saved flow has problems that keep it from being deployed ({pending[0]?.path}: {pending[0]?.message}).
          </div>
        ) : null}
        {showProblems ? (
          <div className="max-h-40 overflow-y-auto border-b border-amber-200 bg-amber-50 px-4 py-2 text-sm" data-testid="problems-panel">
            {analysis.problems.length === 0 ? (
              <p>No problems.</p>
            ) : (
              <ul className="list-disc pl-5">
                {analysis.problems.map((p, i) => (
                  <li key={i}>
                    <code className="text-xs">{p.path}</code>: {p.message}
                  </li>
                ))}
              </ul>
            )}
          </div>
        ) : null}

        <div className="flex min-h-0 flex-1">
          <Palette types={types} onAdd={addAtCenter} />
          <section
            aria-label="Flow canvas"
            className="relative min-w-0 flex-1"
            onDragOver={(e) => {
              if (e.dataTransfer.types.includes(PALETTE_MIME)) {
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
            <ReactFlow
              nodes={nodes}
              edges={edges}
              nodeTypes={nodeTypes}
              edgeTypes={edgeTypes}
              onNodesChange={onNodesChange}
              onEdgesChange={onEdgesChange}
              onNodeDragStop={onNodeDragStop}
              onConnect={onConnect}
              isValidConnection={isValidConnection}
              onNodeDoubleClick={(_e, n) => {
                if (n.type === "processor") setPanel({ kind: "processor", id: n.id });
                else if (n.type === "processGroup") enterGroup((n.data as GroupNodeData).groupId);
              }}
              onEdgeDoubleClick={(_e, edge) => setPanel({ kind: "connection", id: edge.id })}
              deleteKeyCode={null}
              // Left button pans on the empty pane, the middle button pans anywhere (over nodes too).
              panOnDrag={[0, 1]}
              selectionKeyCode="Shift"
              multiSelectionKeyCode={["Meta", "Control", "Shift"]}
              connectionRadius={40}
              // Fit only a flow that has something to show: on an empty canvas React Flow would
              // fit (and zoom right in on) the first processor dropped.
              fitView={initial.document.processors.length > 0}
              fitViewOptions={{ padding: 0.2, maxZoom: 1.2 }}
              minZoom={0.05}
              proOptions={{ hideAttribution: true }}
            >
              <Background gap={20} />
              <MiniMap pannable zoomable nodeColor={(n) => (n.type === "processGroup" ? "#a5b4fc" : "#94a3b8")} nodeBorderRadius={6} maskColor="rgba(241, 245, 249, 0.6)" />
              <Controls showInteractive={false} />
            </ReactFlow>
            {nodes.length === 0 ? (
              <div className="pointer-events-none absolute inset-0 flex items-center justify-center text-sm text-slate-400">
                Drag a processor from the palette onto the canvas to start.
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
                  elFunctions={elFunctions}
                  onCancel={() => setPanel(null)}
                  onApply={(patch) => {
                    commit(updateProcessor(docRef.current, panelProcessor.id, patch));
                    setPanel(null);
                  }}
                />
              ) : null}
              {panel.kind === "connection" && panelConnection ? (
                <ConnectionPanel
                  key={panelConnection.id}
                  flowId={flowId}
                  connection={panelConnection}
                  sourceName={nameOf(panelConnection.source)}
                  destinationName={nameOf(panelConnection.destination)}
                  sourceRelationships={relationshipsOf(panelConnection.source)}
                  onCancel={() => setPanel(null)}
                  onApply={(patch) => {
                    commit(updateConnection(docRef.current, panelConnection.id, patch));
                    setPanel(null);
                  }}
                />
              ) : null}
              {panel.kind === "versions" ? (
                <VersionsPanel
                  flowId={flowId}
                  revision={revision}
                  flushSave={flush}
                  onClose={() => setPanel(null)}
                  onReverted={(r) => {
                    if (!r.document) return;
                    setRev(r.revision);
                    setAnalysis(r.analysis);
                    setPending(r.pending);
                    setHistory(record(historyRef.current, docRef.current));
                    savedRef.current = r.document;
                    docRef.current = r.document;
                    setDoc(r.document);
                    setSaveState("saved");
                  }}
                />
              ) : null}
              {(panel.kind === "processor" && !panelProcessor) || (panel.kind === "connection" && !panelConnection) ? (
                <div className="p-4 text-sm text-slate-500">
                  This component no longer exists.{" "}
                  <button type="button" className="text-sky-700 underline" onClick={() => setPanel(null)}>
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
      {selectedGroups.length === 1 && !groupDialog && !draft ? (
        <GroupRename
          key={selectedGroups[0]}
          name={doc.groups.find((g) => g.id === selectedGroups[0])?.name ?? ""}
          onRename={(name) => commit(renameGroup(docRef.current, selectedGroups[0]!, name))}
        />
      ) : null}
    </LiveContext.Provider>
  );
}
