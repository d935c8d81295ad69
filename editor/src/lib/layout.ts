// Auto-layout: left to right in dependency order (dagre), using each node's measured size.
import { Graph, layout } from '@dagrejs/dagre';
import type { AstraEdge, AstraNode } from './graph';

const fallbackSize = { width: 220, height: 120 };

/** New positions for `nodes` (all of them, or only the selected when some are), keeping the rest in place. */
export function autoLayout(nodes: readonly AstraNode[], edges: readonly AstraEdge[], onlySelected: boolean): AstraNode[] {
  const moving = new Set(nodes.filter((node) => !onlySelected || node.selected).map((node) => node.id));
  if (moving.size === 0) return [...nodes];
  const graph = new Graph();
  graph.setGraph({ rankdir: 'LR', nodesep: 30, ranksep: 60, marginx: 0, marginy: 0 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of nodes) {
    if (!moving.has(node.id)) continue;
    graph.setNode(node.id, { width: node.measured?.width ?? fallbackSize.width, height: node.measured?.height ?? fallbackSize.height });
  }
  for (const edge of edges) {
    if (moving.has(edge.source) && moving.has(edge.target)) graph.setEdge(edge.source, edge.target);
  }
  layout(graph);
  // Keep the laid-out group where it was: its top-left corner stays at the old group's top-left corner.
  const before = nodes.filter((node) => moving.has(node.id));
  const origin = { x: Math.min(...before.map((node) => node.position.x)), y: Math.min(...before.map((node) => node.position.y)) };
  const placed = new Map<string, { x: number; y: number }>();
  for (const node of before) {
    const box = graph.node(node.id);
    const width = node.measured?.width ?? fallbackSize.width;
    const height = node.measured?.height ?? fallbackSize.height;
    placed.set(node.id, { x: box.x - width / 2, y: box.y - height / 2 });
  }
  const minX = Math.min(...[...placed.values()].map((p) => p.x));
  const minY = Math.min(...[...placed.values()].map((p) => p.y));
  return nodes.map((node) => {
    const at = placed.get(node.id);
    return at ? { ...node, position: { x: Math.round(at.x - minX + origin.x), y: Math.round(at.y - minY + origin.y) } } : node;
  });
}
