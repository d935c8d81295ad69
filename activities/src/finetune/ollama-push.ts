// A registered fine-tune pushed to the Ollama that serves this Astra (OLLAMA_HOST): its GGUF files go up as
// blobs (skipped when Ollama has them already), then `/api/create` names the model, the weights and, for a
// LoRA, the adapter on top of them (Ollama's docs/api.md "Push a Blob" and "Create a Model").
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { z } from 'zod';

export interface OllamaPushRequest {
  host: string;
  /** The name Ollama serves it under. */
  name: string;
  /** The weights: the merged file, or the base model's GGUF when an adapter goes on top. */
  model: { path: string; sha256: string };
  adapter?: { path: string; sha256: string };
}

export interface OllamaPushResult {
  name: string;
  /** Blobs sent now; the others Ollama had already. */
  uploaded: string[];
}

const createAnswer = z.object({ status: z.string() });
const errorAnswer = z.object({ error: z.string() });

async function failureOf(response: Response, what: string): Promise<Error> {
  const text = await response.text();
  const parsed = errorAnswer.safeParse((() => { try { return JSON.parse(text) as unknown; } catch { return undefined; } })());
  return new Error(`Ollama at ${new URL(response.url).origin} refused ${what} (${response.status}): ${parsed.success ? parsed.data.error : text.slice(0, 200)}`);
}

export async function pushToOllama(request: OllamaPushRequest): Promise<OllamaPushResult> {
  const base = request.host.replace(/\/$/, '');
  const uploaded: string[] = [];
  const ensureBlob = async (file: { path: string; sha256: string }) => {
    const url = `${base}/api/blobs/sha256:${file.sha256}`;
    const head = await fetch(url, { method: 'HEAD' });
    if (head.ok) return;
    if (head.status !== 404) throw await failureOf(head, `the blob check for ${path.basename(file.path)}`);
    const sent = await fetch(url, { method: 'POST', body: Readable.toWeb(createReadStream(file.path)) as ReadableStream, duplex: 'half' } as RequestInit);
    if (!sent.ok) throw await failureOf(sent, `the upload of ${path.basename(file.path)}`);
    uploaded.push(path.basename(file.path));
  };
  await ensureBlob(request.model);
  if (request.adapter) await ensureBlob(request.adapter);
  const created = await fetch(`${base}/api/create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: request.name,
      files: { [path.basename(request.model.path)]: `sha256:${request.model.sha256}` },
      ...(request.adapter ? { adapters: { [path.basename(request.adapter.path)]: `sha256:${request.adapter.sha256}` } } : {}),
      stream: false,
    }),
  });
  if (!created.ok) throw await failureOf(created, `creating "${request.name}"`);
  const answer = createAnswer.parse(await created.json());
  if (answer.status !== 'success') throw new Error(`Ollama did not create "${request.name}": ${answer.status}`);
  return { name: request.name, uploaded };
}
