import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { flowExport, validateFlow } from '@astra/workflows/flow';

const folder = new URL('./', import.meta.url);
const files = (await readdir(folder)).filter((name) => name.endsWith('.json')).sort();
const read = async (name: string): Promise<unknown> => JSON.parse(await readFile(new URL(name, folder), 'utf8'));

describe('example flows', () => {
  it('ships the seven ready flows the README describes', () => {
    expect(files).toEqual(['chat-with-a-model.json', 'document-summary.json', 'fine-tune-and-serve.json', 'rag-chat.json', 'rag-ingest-and-answer.json', 'rag-ingest.json', 'rag-question-answering.json']);
  });

  it.each(files)('%s is a valid astra.flow export with no problems', async (name) => {
    const parsed = flowExport.safeParse(await read(name));
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(validateFlow(parsed.data?.graph).problems).toEqual([]);
  });

  it.each(files)('%s survives export and import unchanged', async (name) => {
    const raw = await read(name);
    const imported = flowExport.parse(raw);
    const reimported = flowExport.parse(JSON.parse(JSON.stringify(imported)));
    expect(imported).toEqual(raw);
    expect(reimported).toEqual(raw);
  });

  it.each(files)('%s lays its nodes out left to right without overlaps', async (name) => {
    const { graph } = flowExport.parse(await read(name));
    const places = graph.nodes.map((node) => node.position);
    expect(places.every((place) => place !== undefined)).toBe(true);
    expect(new Set(places.map((place) => `${place?.x},${place?.y}`)).size).toBe(graph.nodes.length);
    const x = new Map(graph.nodes.map((node) => [node.id, node.position?.x ?? 0]));
    for (const edge of graph.edges) expect(x.get(edge.source)!, edge.id).toBeLessThan(x.get(edge.target)!);
  });
});
