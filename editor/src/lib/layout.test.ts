import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { autoLayout } from './layout';
import type { AstraEdge, AstraNode } from './graph';

const heights = [140, 180, 120, 200, 160, 150, 170, 130, 190, 110];

/** A shipped template's nodes as the canvas measures them: cards of different heights, scattered. */
async function template(name: string): Promise<{ nodes: AstraNode[]; edges: AstraEdge[] }> {
  const { graph } = JSON.parse(await readFile(new URL(`../../../examples/flows/${name}.json`, import.meta.url), 'utf8')) as { graph: { nodes: Array<{ id: string; type: string }>; edges: Array<{ id: string; source: string; target: string }> } };
  return {
    nodes: graph.nodes.map((node, i) => ({ id: node.id, type: 'astra', position: { x: (i * 97) % 400, y: (i * 61) % 300 }, data: {}, measured: { width: 240, height: heights[i % heights.length]! } }) as unknown as AstraNode),
    edges: graph.edges.map((edge) => ({ id: edge.id, source: edge.source, target: edge.target }) as unknown as AstraEdge),
  };
}

describe('auto-layout', () => {
  it('puts a chain of cards of different heights on one straight lane', async () => {
    const { nodes, edges } = await template('document-summary');
    const laid = autoLayout(nodes, edges, false);
    expect(new Set(laid.map((node) => node.position.y)).size).toBe(1);
    const xs = laid.map((node) => node.position.x);
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
  });

  it.each(['rag-ingest-and-answer', 'rag-chat', 'fine-tune-and-serve'])('%s: every card on a lane, never two on one spot, each edge left to right', async (name) => {
    const { nodes, edges } = await template(name);
    const laid = autoLayout(nodes, edges, false);
    const tops = [...new Set(laid.map((node) => node.position.y))].sort((a, b) => a - b);
    const pitch = tops.length > 1 ? tops[1]! - tops[0]! : 0;
    for (const top of tops) expect((top - tops[0]!) % (pitch || 1)).toBe(0);
    expect(tops.length).toBeLessThan(laid.length);
    expect(new Set(laid.map((node) => `${node.position.x},${node.position.y}`)).size).toBe(laid.length);
    const x = new Map(laid.map((node) => [node.id, node.position.x]));
    for (const edge of edges) expect(x.get(edge.source)!).toBeLessThan(x.get(edge.target)!);
  });
});
