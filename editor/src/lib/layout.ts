// Auto-layout: left to right in dependency order (dagre), in lanes: every card of a lane has the same
// top, whatever its measured height, so a chain of cards reads as one straight row instead of a stagger.
import { Graph, layout } from '@dagrejs/dagre';
import type { AstraEdge, AstraNode } from './graph';

const fallbackSize = { width: 220, height: 120 };
/** Space between two lanes of cards. */
const laneGap = 30;

/** New positions for `nodes` (all of them, or only the selected when some are), keeping the rest in place. */
export function autoLayout(nodes: readonly AstraNode[], edges: readonly AstraEdge[], onlySelected: boolean): AstraNode[] {
  const moving = new Set(nodes.filter((node) => !onlySelected || node.selected).map((node) => node.id));
  if (moving.size === 0) return [...nodes];
  const graph = new Graph();
  // One height for all (the tallest) and upper-left alignment: dagre then puts a chain on one line, where
  // centring cards of different heights, and averaging its four alignments, staggered them.
  graph.setGraph({ rankdir: 'LR', align: 'UL', nodesep: laneGap, ranksep: 60, marginx: 0, marginy: 0 });
  graph.setDefaultEdgeLabel(() => ({}));
  const laneHeight = Math.max(...nodes.filter((node) => moving.has(node.id)).map((node) => node.measured?.height ?? fallbackSize.height));
  for (const node of nodes) {
    if (!moving.has(node.id)) continue;
    graph.setNode(node.id, { width: node.measured?.width ?? fallbackSize.width, height: laneHeight });
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
    placed.set(node.id, { x: box.x - width / 2, y: box.y - laneHeight / 2 });
  }
  const minX = Math.min(...[...placed.values()].map((p) => p.x));
  let minY = Math.min(...[...placed.values()].map((p) => p.y));
  // Long edges pass through point-sized stand-ins that can push a card off its lane: snap every card to the
  // nearest lane, keeping the order of the cards in each column and never two on one lane.
  const pitch = laneHeight + laneGap;
  const columns = new Map<number, string[]>();
  for (const [id, at] of placed) columns.set(Math.round(at.x), [...(columns.get(Math.round(at.x)) ?? []), id]);
  for (const ids of columns.values()) {
    let lane = -Infinity;
    for (const id of ids.sort((a, b) => placed.get(a)!.y - placed.get(b)!.y)) {
      const at = placed.get(id)!;
      lane = Math.max(lane + 1, Math.round((at.y - minY) / pitch));
      placed.set(id, { x: at.x, y: minY + lane * pitch });
    }
  }
  minY = Math.min(...[...placed.values()].map((p) => p.y));
  return nodes.map((node) => {
    const at = placed.get(node.id);
    return at ? { ...node, position: { x: Math.round(at.x - minX + origin.x), y: Math.round(at.y - minY + origin.y) } } : node;
  });
}
