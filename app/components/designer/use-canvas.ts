"use client";
/**
 * The canvas state: which process-group level is shown, and React Flow's nodes and edges for it.
 *
 * Contract:
 * - Nodes and edges are re-projected (canvas-projection.ts) whenever the document, the level or
 *   the analysis changes; between projections React Flow's own changes (selection, dragging,
 *   measuring) apply to them directly.
 * - `selectNext(ids)` makes the next projection select exactly `ids` (a new processor, a paste,
 *   a new group); otherwise a projection keeps the selection.
 * - The level first shown is framed as fitView will frame it before its nodes first render.
 * - `showLevel(gid)` shows another level and fits it into view once its nodes are measured;
 *   entering a group from its node does the same and then calls `onEnterGroup`.
 * - `focus(nodeId, level)` shows the node's level (without fitting) and centres on the node,
 *   selecting it alone, once it is on the canvas.
 * - `selectAll()` selects every selectable node and every edge of the level.
 * - `selectOnly(id)` selects that node or edge alone unless it is already selected (a right
 *   click, as in NiFi: the menu acts on what is highlighted).
 */
import { applyEdgeChanges, applyNodeChanges, useReactFlow, useStoreApi, type Edge, type EdgeChange, type Node, type NodeChange } from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { FlowAnalysis, FlowDocument } from "../../lib/engine-client";
import type { GroupNodeData } from "./canvas-parts";
import { FIT_OPTIONS, frameNodes, NODE_H, NODE_W, projectEdges, projectNodes } from "./canvas-projection";
import { levelView } from "./model";

export { FIT_OPTIONS, NODE_H, NODE_W };

/** The canvas's smallest zoom. */
export const MIN_ZOOM = 0.05;

/** The canvas of `doc` with `analysis`; `onEnterGroup` / `onOpenConnection` are put into node and edge data. */
export function useCanvas(doc: FlowDocument, analysis: FlowAnalysis, onEnterGroup: (groupId: string) => void, onOpenConnection: (connectionId: string) => void) {
  const rf = useReactFlow();
  const [groupId, setGroupId] = useState<string | undefined>(undefined);
  const view = useMemo(() => levelView(doc, groupId), [doc, groupId]);
  const [nodes, setNodes] = useState<Node[]>([]);
  const [edges, setEdges] = useState<Edge[]>([]);
  const selectNextRef = useRef<Set<string> | null>(null);
  const focusNext = useRef<string | null>(null);

  // Switching levels fits the new level into view once its nodes are built and measured.
  const fitState = useRef<"idle" | "level-changed" | "built">("idle");
  const showLevel = useCallback((gid: string | undefined) => {
    setGroupId(gid);
    fitState.current = "level-changed";
  }, []);
  const enterGroup = useCallback(
    (gid: string) => {
      showLevel(gid);
      onEnterGroup(gid);
    },
    [showLevel, onEnterGroup],
  );
  useEffect(() => {
    if (fitState.current !== "built" || nodes.some((n) => !n.measured?.width)) return;
    fitState.current = "idle";
    void rf.fitView({ ...FIT_OPTIONS, duration: 200 });
  }, [nodes, rf]);

  // The first projection is framed before it renders: React Flow's `fitView` waits until every
  // node has a size, which group and port nodes only get once measured, so a level with any of
  // them would first render at zoom 1 (in full detail, see DETAIL_ZOOM) and then again at the
  // zoom it is seen at. Processor nodes carry their fixed size, so for them the frame computed
  // here is what the fit after measuring finds too.
  const store = useStoreApi();
  const framed = useRef(false);
  useEffect(() => {
    const input = { doc, view, analysis, select: selectNextRef.current, onEnter: enterGroup };
    selectNextRef.current = null;
    if (!framed.current) {
      framed.current = true;
      const first = projectNodes([], input);
      const { width, height, minZoom } = store.getState();
      const viewport = frameNodes(first, width, height, minZoom);
      if (viewport) void rf.setViewport(viewport);
      setNodes(first);
    } else setNodes((prev) => projectNodes(prev, input));
    if (fitState.current === "level-changed") fitState.current = "built";
    setEdges((prev) => projectEdges(prev, { view, analysis, onOpen: onOpenConnection }));
  }, [view, analysis, doc, enterGroup, onOpenConnection, rf, store]);

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

  const focus = useCallback(
    (nodeId: string, level: string | undefined) => {
      focusNext.current = nodeId;
      if (level !== groupId) setGroupId(level);
      else setNodes((nds) => [...nds]);
    },
    [groupId],
  );

  const selectNext = useCallback((ids: Iterable<string>) => {
    selectNextRef.current = new Set(ids);
  }, []);

  const onNodesChange = useCallback((changes: NodeChange[]) => setNodes((nds) => applyNodeChanges(changes, nds)), []);
  const onEdgesChange = useCallback((changes: EdgeChange[]) => setEdges((eds) => applyEdgeChanges(changes, eds)), []);

  const selectAll = useCallback(() => {
    setNodes((nds) => nds.map((n) => (n.selectable === false || n.selected ? n : { ...n, selected: true })));
    setEdges((eds) => eds.map((e) => (e.selected ? e : { ...e, selected: true })));
  }, []);

  const selectOnly = useCallback((id: string) => {
    setNodes((nds) => (nds.some((n) => n.id === id && n.selected) ? nds : nds.map((n) => (n.selected !== (n.id === id) ? { ...n, selected: n.id === id } : n))));
    setEdges((eds) => (eds.some((e) => e.id === id && e.selected) ? eds : eds.map((e) => (e.selected !== (e.id === id) ? { ...e, selected: e.id === id } : e))));
  }, []);

  const selection = {
    processors: nodes.filter((n) => n.selected && n.type === "processor").map((n) => n.id),
    groups: nodes.filter((n) => n.selected && n.type === "processGroup").map((n) => (n.data as GroupNodeData).groupId),
    edges: edges.filter((e) => e.selected).map((e) => e.id),
  };

  return { groupId, showLevel, enterGroup, nodes, edges, selection, selectNext, focus, selectAll, selectOnly, onNodesChange, onEdgesChange };
}
