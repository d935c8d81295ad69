// The activity behind every node type. Each is the node's spec plus a function over typed params and
// inputs; `nodeActivity` does the bookkeeping. Registered on the worker by `createNodeActivities`.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { answerMessages, citationsFor, extractiveAnswer, resolveAnswerStyle } from '@astra/workflows/answer';
import { nodeSpecs, type FlowChunk, type FlowDocument, type FlowEmbeddings, type NodeStateRecord, type ActivityOf, type PortValue, type RunFlowState, type RunStatus } from '@astra/workflows/flow';
import { inTransaction } from '../db';
import { chunkDocument, chunkSizeFor } from '../rag/chunker';
import { createModelsRepo } from '../models/models-repo';
import { createCollectionsRepo } from '../rag/collections-repo';
import { CorruptDocumentError, UnsupportedDocumentError } from '../rag/document';
import { saveDocument, upsertChunkVectors, type StoredDocument } from '../rag/document-store';
import { EgressRefusedError } from '../rag/egress';
import { chromaCollectionFor, chunkId, dataFolderRefusal, filesUnder, unchangedInLedger, type IngestDeps } from '../rag/ingest.activities';
import { loadDocument } from '../rag/loaders';
import { createRetriever } from '../rag/retrieval';
import { asList, asMessages, asText, collectionName, fillTemplate } from '@astra/workflows/nodes/coerce';
import { pureEvaluators } from '@astra/workflows/nodes/pure';
import { NodeParamError, nodeActivity, type NodeActivityFunction, type NodeContext } from './node-activity';
import { createFineTuneNodeActivities } from '../finetune/finetune.activities';
import { createRunStore } from './run-store';
import { declaredNodeActivities } from './activities.generated';

const embedBatch = 32;
/** Embedded vectors are saved every this many, so a retried Embed resumes instead of starting over. */
const embedCheckpoint = 256;
/** A Map that calls a model saves its finished items at least this often. */
const mapCheckpointMs = 1000;

function documentsFrom(source: string, contentHash: string, loaded: Awaited<ReturnType<typeof loadDocument>>): FlowDocument[] {
  // One file can hold many records (JSON, CSV); each becomes its own document, keyed as the ingest pipeline keys it.
  const single = loaded.length === 1 && !['json', 'csv'].includes(loaded[0]!.format);
  return loaded.map((doc, i) => ({ source: single ? source : `${source}#${i + 1}`, title: doc.title, text: doc.text, format: doc.format, contentHash, sections: doc.sections }));
}

/** Every activity name the node specs give. */
type NodeSpecActivity = ActivityOf<(typeof nodeSpecs)[keyof typeof nodeSpecs]>;

export function createNodeActivities(deps: IngestDeps) {
  const store = createRunStore(deps.pool);
  const collections = createCollectionsRepo(deps.pool);
  const retriever = createRetriever(deps);
  const registered = createModelsRepo(deps.pool);

  // The model list is read once per few seconds, not before every node: a name it does not know reads it afresh
  // (a fine-tune registered a moment ago), so a cached list never refuses a model that exists.
  let listed: { at: number; models: Promise<Awaited<ReturnType<typeof deps.models.listModels>>> } | undefined;
  const listModels = (fresh: boolean) => {
    if (fresh || !listed || Date.now() - listed.at > 5_000) {
      const models = deps.models.listModels();
      listed = { at: Date.now(), models };
      models.catch(() => (listed = undefined));
    }
    return listed.models;
  };
  const modelInfo = async (name: string, field: string, kind: 'generation' | 'embedding') => {
    let models = await listModels(false);
    if (!models.some((candidate) => candidate.name === name)) models = await listModels(true);
    const model = models.find((candidate) => candidate.name === name);
    if (!model || model.kind !== kind) {
      throw new NodeParamError(field, `no ${kind} model "${name}"; available: ${models.filter((m) => m.kind === kind).map((m) => m.name).join(', ') || 'none'}`);
    }
    return model;
  };

  const generate = async (node: NodeContext, input: { model: string; messages: ReturnType<typeof asMessages>; maxTokens: number; temperature: number; stop?: string[] }) => {
    const result = await deps.models.chat({ model: input.model, messages: input.messages, maxTokens: input.maxTokens, temperature: input.temperature, ...(input.stop?.length ? { stop: input.stop } : {}) }, { onToken: (text) => node.token(text), signal: node.signal });
    await node.flushTokens();
    if (result.finishReason === 'abort') throw new Error('generation was cancelled');
    return result;
  };

  // One entry per node spec, keyed by the activity name the spec gives; the type checker refuses a spec without one.
  const implementations = {
    ...nodeActivity(nodeSpecs.loadFilesNode, store, async ({ params, inputs, node }) => {
      const role = (await deps.pool.query<{ role: string }>('select role from users where id = $1', [node.ownerId])).rows[0]?.role;
      if (role !== 'admin') throw ApplicationFailure.nonRetryable(`Load Files "${node.nodeId}" reads the server's files, which only admins may do; upload the files and ingest them instead`, 'Forbidden');
      const where = asText(inputs.path).trim() || params.path;
      if (!where) throw new NodeParamError('path', 'give a folder or file, in the Path parameter or the path input');
      const root = path.resolve(where);
      const refused = await dataFolderRefusal(root, deps.dataDir, undefined);
      if (refused) throw new NodeParamError('path', refused);
      const found = await filesUnder(root, params.glob);
      if (!found) throw new NodeParamError('path', `${root} does not exist`);
      // A glob or a link under the folder can still reach into the data folder: those files are left out, each said.
      const files: string[] = [];
      for (const file of found) {
        const refusal = await dataFolderRefusal(file, deps.dataDir, undefined);
        if (refusal) await node.log(`skipped ${refusal}`, 'warn');
        else files.push(file);
      }
      if (files.length > params.maxFiles) throw new NodeParamError('maxFiles', `${root} has ${files.length} matching files, more than the ${params.maxFiles} allowed`);
      const documents: FlowDocument[] = [];
      for (const [i, file] of files.entries()) {
        const bytes = await readFile(file);
        try {
          documents.push(...documentsFrom(file, createHash('sha256').update(bytes).digest('hex'), await loadDocument({ bytes, fileName: path.basename(file) })));
        } catch (error) {
          if (!(error instanceof UnsupportedDocumentError || error instanceof CorruptDocumentError)) throw error;
          await node.log(`skipped ${file}: ${error.message}`, 'warn');
        }
        node.progress(i + 1, files.length, 'files');
      }
      await node.log(`loaded ${documents.length} document${documents.length === 1 ? '' : 's'} from ${files.length} file${files.length === 1 ? '' : 's'} under ${root}`);
      return { documents };
    }),

    ...nodeActivity(nodeSpecs.loadUrlNode, store, async ({ params, inputs }) => {
      const url = asText(inputs.url).trim() || params.url;
      if (!url) throw new NodeParamError('url', 'give a URL, in the URL parameter or the url input');
      let fetched;
      try {
        fetched = await deps.egress.fetch(url);
      } catch (error) {
        if (error instanceof EgressRefusedError) throw new NodeParamError('url', error.message);
        throw error;
      }
      // Server errors are worth another try; a 4xx will answer the same again.
      if (fetched.status >= 500 || fetched.status === 429) throw new Error(`${url} answered HTTP ${fetched.status}`);
      if (fetched.status >= 400) throw new NodeParamError('url', `${url} answered HTTP ${fetched.status}`);
      const fileName = new URL(fetched.url).pathname.split('/').pop() || 'index.html';
      try {
        const loaded = await loadDocument({ bytes: fetched.body, fileName, contentType: fetched.contentType });
        return { documents: documentsFrom(url, createHash('sha256').update(fetched.body).digest('hex'), loaded) };
      } catch (error) {
        if (error instanceof UnsupportedDocumentError || error instanceof CorruptDocumentError) throw new NodeParamError('url', error.message);
        throw error;
      }
    }),

    ...nodeActivity(nodeSpecs.chunkNode, store, async ({ params, inputs, node }) => {
      const model = await modelInfo(params.embeddingModel, 'embeddingModel', 'embedding');
      let sizes;
      try {
        sizes = chunkSizeFor(model.contextLength ?? 512, { chunkTokens: params.chunkTokens, overlapTokens: params.overlapTokens });
      } catch (error) {
        throw new NodeParamError('chunkTokens', (error as Error).message);
      }
      const countTokens = (await deps.models.tokenCounter?.(model.name)) ?? ((text: string) => Math.ceil(text.length / 3));
      let documents = inputs.documents ?? [];
      if (params.skipStoredIn) {
        const stored = await collections.find(node.ownerId, params.skipStoredIn);
        const rows = stored
          ? (await deps.pool.query<{ source: string; content_hash: string; status: string }>(
            'select source, content_hash, status from documents where collection_id = $1 and source = any($2)', [stored.id, documents.map((doc) => doc.source)],
          )).rows
          : [];
        const kept = documents.filter((doc) => !unchangedInLedger(rows.filter((row) => row.source === doc.source), doc.contentHash));
        if (kept.length < documents.length) await node.log(`${documents.length - kept.length} of ${documents.length} documents are unchanged in "${params.skipStoredIn}": not chunked, embedded or stored again`);
        documents = kept;
      }
      const chunks: FlowChunk[] = [];
      for (const [i, doc] of documents.entries()) {
        for (const chunk of chunkDocument({ title: doc.title, text: doc.text, format: doc.format as 'text', sections: doc.sections }, { ...sizes, countTokens })) {
          chunks.push({ source: doc.source, title: doc.title, contentHash: doc.contentHash, index: chunk.index, text: chunk.text, start: chunk.start, end: chunk.end, headingPath: chunk.headingPath });
        }
        node.progress(i + 1, documents.length, 'documents');
      }
      await node.log(`${chunks.length} chunks of at most ${sizes.chunkTokens} tokens (overlap ${sizes.overlapTokens}) from ${documents.length} documents`);
      return { chunks };
    }),

    ...nodeActivity(nodeSpecs.embedNode, store, async ({ params, inputs, node }) => {
      const model = await modelInfo(params.model, 'model', 'embedding');
      const chunks = inputs.chunks ?? [];
      const resume = node.resumeFrom as { saved?: PortValue[] } | undefined;
      const saved: PortValue[] = resume?.saved ?? [];
      const vectors: number[][] = [];
      for (const part of saved) vectors.push(...(await store.resolve(part) as number[][]));
      if (vectors.length > 0) await node.log(`resuming after ${vectors.length} of ${chunks.length} chunks embedded by an earlier attempt`);
      let unsaved = vectors.length;
      let dimension = model.dimension ?? 0;
      for (let start = vectors.length; start < chunks.length; start += embedBatch) {
        if (node.signal.aborted) throw new Error('cancelled');
        const batch = await deps.models.embed({ model: model.name, texts: chunks.slice(start, start + embedBatch).map((chunk) => chunk.text) });
        vectors.push(...batch.vectors);
        dimension = batch.dimension;
        if (vectors.length - unsaved >= embedCheckpoint || vectors.length === chunks.length) {
          saved.push(await store.storeValue(node.runId, node.nodeId, 'checkpoint', vectors.slice(unsaved)));
          unsaved = vectors.length;
        }
        node.progress(vectors.length, chunks.length, 'chunks', { saved });
      }
      return { embeddings: { model: model.name, dimension, vectors } satisfies FlowEmbeddings };
    }),

    ...nodeActivity(nodeSpecs.storeNode, store, async ({ params, inputs, node }) => {
      const chunks = inputs.chunks ?? [];
      const embeddings = inputs.embeddings;
      if (!embeddings) throw ApplicationFailure.nonRetryable(`Store "${node.nodeId}": no embeddings arrived; connect the Embed node fed by the same Chunk node`, 'Mismatch');
      if (embeddings.vectors.length !== chunks.length) {
        throw ApplicationFailure.nonRetryable(`Store "${node.nodeId}": ${chunks.length} chunks but ${embeddings.vectors.length} vectors; connect the Embed node fed by the same Chunk node`, 'Mismatch');
      }
      const model = await modelInfo(embeddings.model, 'collection', 'embedding');
      const collection = await collections.findOrCreate({ ownerId: node.ownerId, name: params.collection, embeddingModel: model.name, ...chunkSizeFor(model.contextLength ?? 512) });
      if (collection.embeddingModel !== model.name) {
        throw new NodeParamError('collection', `collection "${collection.name}" holds vectors of ${collection.embeddingModel}; these are from ${model.name}`);
      }
      const bySource = new Map<string, Array<{ chunk: FlowChunk; vector: number[] }>>();
      chunks.forEach((chunk, i) => bySource.set(chunk.source, [...(bySource.get(chunk.source) ?? []), { chunk, vector: embeddings.vectors[i]! }]));
      const existing = new Map((await deps.pool.query<{ source: string; content_hash: string; version: number; chunk_ids: string[] }>(
        'select source, content_hash, version, chunk_ids from documents where collection_id = $1 and source = any($2)', [collection.id, [...bySource.keys()]],
      )).rows.map((row) => [row.source, row]));
      const documents: Array<{ document: StoredDocument; vectors: number[][] }> = [...bySource].map(([source, entries]) => {
        const first = entries[0]!.chunk;
        const before = existing.get(source);
        return {
          document: {
            key: source,
            title: first.title,
            contentHash: first.contentHash,
            version: before ? before.version + (before.content_hash === first.contentHash ? 0 : 1) : 1,
            chunks: entries.map(({ chunk }) => ({ id: chunkId(collection.id, source, chunk.index, chunk.text), index: chunk.index, text: chunk.text, start: chunk.start, end: chunk.end, headingPath: chunk.headingPath })),
          },
          vectors: entries.map(({ vector }) => vector),
        };
      });
      const chromaCollection = await chromaCollectionFor(deps.chroma, collection);
      const all = documents.flatMap(({ document, vectors }) => document.chunks.map((chunk, i) => ({ document, chunk, vector: vectors[i]! })));
      for (let start = 0; start < all.length; start += 256) {
        await upsertChunkVectors(chromaCollection, collection, all.slice(start, start + 256));
        node.progress(Math.min(start + 256, all.length), all.length, 'chunks');
      }
      await inTransaction(deps.pool, async (client) => {
        for (const { document } of documents) await saveDocument(client, collection, document);
      });
      const kept = new Set(all.map(({ chunk }) => chunk.id));
      const stale = [...existing.values()].flatMap((row) => row.chunk_ids).filter((id) => !kept.has(id));
      if (stale.length > 0) await chromaCollection.delete({ ids: stale });
      await node.log(`stored ${documents.length} documents, ${all.length} chunks in "${collection.name}"${stale.length ? `, removed ${stale.length} stale chunks` : ''}`);
      return { collection: { id: collection.id, name: collection.name } };
    }),

    ...nodeActivity(nodeSpecs.retrieveNode, store, async ({ params, inputs, node }) => {
      // A wired collection, or a name given as text (an empty one leaves the parameter in force).
      const name = collectionName(inputs.collection, params.collection);
      if (!name) throw new NodeParamError('collection', 'name a collection, or connect one to the collection input');
      // A chat turn in someone else's app reads the files the chatting user attached to that conversation.
      const collection = (name.startsWith('chat-') ? await collections.findConversationAttachments(node.runId, name) : undefined) ?? await collections.find(node.ownerId, name);
      if (!collection) throw new NodeParamError('collection', `you have no collection named "${name}"`);
      const passages = await retriever.retrieve({ collection, query: asText(inputs.query), k: params.k, mode: params.mode, minScore: params.minScore, mmrLambda: params.mmrLambda });
      return { passages };
    }),

    ...nodeActivity(nodeSpecs.answerNode, store, async ({ params, inputs, node }) => {
      await modelInfo(params.model, 'model', 'generation');
      const question = asText(inputs.question);
      const passages = inputs.passages ?? [];
      if (passages.length === 0) {
        const answer = 'The collection has nothing relevant to this question.';
        return { answer: { answer, citations: [] }, text: answer };
      }
      if (resolveAnswerStyle(params.style, (await registered.get(params.model))?.sizeBytes) === 'extractive') {
        const answer = extractiveAnswer(question, passages);
        node.token(answer);
        await node.flushTokens();
        return { answer: { answer, citations: citationsFor(answer, passages) }, text: answer };
      }
      const result = await generate(node, { model: params.model, messages: answerMessages(question, passages), maxTokens: params.maxTokens, temperature: 0 });
      return { answer: { answer: result.text, citations: citationsFor(result.text, passages) }, text: result.text };
    }),

    ...nodeActivity(nodeSpecs.promptTemplateNode, store, async ({ params, inputs }) => pureEvaluators['models.prompt-template'](params, inputs)),

    ...nodeActivity(nodeSpecs.generateNode, store, async ({ params, inputs, node }) => {
      await modelInfo(params.model, 'model', 'generation');
      const result = await generate(node, { model: params.model, messages: asMessages(inputs.prompt), maxTokens: params.maxTokens, temperature: params.temperature, stop: params.stop });
      if (result.finishReason === 'length') await node.log(`stopped at maxTokens (${params.maxTokens})`, 'warn');
      return { text: result.text };
    }),

    ...nodeActivity(nodeSpecs.textTemplateNode, store, async ({ params, inputs }) => pureEvaluators['text.template'](params, inputs)),

    ...nodeActivity(nodeSpecs.conditionNode, store, async ({ params, inputs }) => pureEvaluators['control.condition'](params, inputs)),

    ...nodeActivity(nodeSpecs.mapNode, store, async ({ params, inputs, node }) => {
      const items = asList(inputs.list);
      if (items.length > params.maxItems) throw new NodeParamError('maxItems', `the list has ${items.length} items, more than the ${params.maxItems} allowed`);
      if (params.model) await modelInfo(params.model, 'model', 'generation');
      // Finished items are saved now and then and named in the heartbeat, so a retry goes on from them.
      const saved: PortValue[] = (node.resumeFrom as { saved?: PortValue[] } | undefined)?.saved ?? [];
      const results: string[] = [];
      for (const part of saved) results.push(...(await store.resolve(part) as string[]));
      if (results.length > 0) await node.log(`resuming after ${results.length} of ${items.length} items done by an earlier attempt`);
      let unsaved = results.length;
      let savedAt = Date.now();
      for (let index = results.length; index < items.length; index += 1) {
        const text = fillTemplate(params.template, { item: items[index], index });
        results.push(params.model ? (await generate(node, { model: params.model, messages: asMessages(text), maxTokens: params.maxTokens, temperature: 0 })).text : text);
        if (params.model && (Date.now() - savedAt > mapCheckpointMs || results.length === items.length)) {
          saved.push(await store.storeValue(node.runId, node.nodeId, 'checkpoint', results.slice(unsaved)));
          unsaved = results.length;
          savedAt = Date.now();
        }
        node.progress(index + 1, items.length, 'items', { saved });
      }
      return { list: results };
    }),

    // The pure nodes' activities: version 1 of each, and version 2 when a value arrives by reference or is too big to travel inline.
    ...nodeActivity(nodeSpecs.mergeNode, store, async ({ params, inputs }) => pureEvaluators['control.merge'](params, inputs)),

    ...nodeActivity(nodeSpecs.noopNode, store, async ({ params, inputs }) => pureEvaluators['util.pass-through'](params, inputs)),

    ...createFineTuneNodeActivities(deps, store),

    // Every node whose activity has a file of its own (`*.activity.ts`).
    ...declaredNodeActivities({ deps, store }),
  } satisfies Record<NodeSpecActivity, NodeActivityFunction>;

  return {
    ...implementations,

    /** States the workflow decides itself; a local activity, so it costs no task-queue round trip. */
    async recordNodeStates(input: { runId: string; types: Record<string, string>; records: NodeStateRecord[] }): Promise<void> {
      await store.recordNodeStates(input.runId, input.types, input.records);
    },

    async finishRun(input: { runId: string; status: Exclude<RunStatus, 'running'>; outputs: Record<string, PortValue>; error: string | null }): Promise<void> {
      await store.finishRun(input.runId, input.status, input.outputs, input.error);
    },

    /** What a run carries across continue-as-new, stored so the new run's input holds only its reference. */
    async saveRunState(input: { runId: string; state: RunFlowState }): Promise<{ ref: string }> {
      return { ref: await store.saveRunState(input.runId, input.state) };
    },

    async loadRunState(input: { ref: string }): Promise<RunFlowState> {
      return store.loadRunState(input.ref);
    },
  };
}

export type NodeActivities = ReturnType<typeof createNodeActivities>;
