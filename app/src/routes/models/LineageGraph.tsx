// Models as a lineage graph (parent → child), laid out top to bottom by dagre and drawn by React
// Flow. Each node is a link to the model's page (focusable, so the graph works by keyboard too).
import dagre from "@dagrejs/dagre";
import { Background, Controls, MarkerType, ReactFlow, type Edge, type Node, type ReactFlowInstance } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useEffect, useMemo, useRef } from "react";
import { useNavigate } from "react-router";
import type { ModelRow } from "../../lib/rows.ts";

const WIDTH = 190;
const HEIGHT = 64;

export function layoutLineage(models: Pick<ModelRow, "id" | "parentId" | "baseModel" | "methodName" | "manifestStatus">[]): { nodes: Node[]; edges: Edge[] } {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: "TB", nodesep: 30, ranksep: 50 });
  graph.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(models.map((m) => m.id));
  for (const m of models) graph.setNode(m.id, { width: WIDTH, height: HEIGHT });
  const edges: Edge[] = [];
  for (const m of models) {
    if (m.parentId && ids.has(m.parentId)) {
      graph.setEdge(m.parentId, m.id);
      edges.push({ id: `${m.parentId}-${m.id}`, source: m.parentId, target: m.id, markerEnd: { type: MarkerType.ArrowClosed } });
    }
  }
  dagre.layout(graph);
  const nodes: Node[] = models.map((m) => {
    const at = graph.node(m.id);
    return {
      id: m.id,
      position: { x: at.x - WIDTH / 2, y: at.y - HEIGHT / 2 },
      data: { label: `Model ${m.id} · ${m.methodName}\n${m.baseModel}` },
      style: { width: WIDTH, whiteSpace: "pre-line", fontSize: 12 },
      className: `lineage-node manifest-${m.manifestStatus.toLowerCase()}`,
      ariaLabel: `Model ${m.id}, ${m.methodName} on ${m.baseModel}${m.parentId ? `, child of model ${m.parentId}` : ""}`,
    };
  });
  return { nodes, edges };
}

export default function LineageGraph({ models, height = 360 }: { models: ModelRow[]; height?: number }) {
  const navigate = useNavigate();
  const { nodes, edges } = useMemo(() => layoutLineage(models), [models]);
  // React Flow fits the graph to its frame when it first draws. A resized window or a rotated phone
  // changes the frame, and a model that appears in the list changes the graph: both fit it again.
  const flow = useRef<ReactFlowInstance | null>(null);
  const frame = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = frame.current;
    if (!element || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => void flow.current?.fitView());
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  // Keyed on the layout, not the array: a poll or a parent's render that rebuilds the same graph
  // leaves the person's pan and zoom alone.
  const layout = nodes.map((n) => `${n.id}@${n.position.x},${n.position.y}`).join(" ");
  useEffect(() => {
    void flow.current?.fitView();
  }, [layout]);
  return (
    <div className="lineage" style={{ height }} data-testid="lineage-graph" ref={frame}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        fitView
        onInit={(instance) => {
          flow.current = instance;
        }}
        nodesDraggable={false}
        nodesConnectable={false}
        onNodeClick={(_, node) => navigate(`/models/${node.id}`)}
        onNodesChange={() => {}}
        proOptions={{ hideAttribution: true }}
        minZoom={0.3}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
