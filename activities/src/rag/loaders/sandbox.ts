// Untrusted documents are read off the worker's main thread: each load runs in a worker thread
// with a heap limit and a time budget, so a hostile file costs one failed document, never a
// crashed or frozen worker (activities and heartbeats go on while a thread struggles).
import { Worker } from 'node:worker_threads';
import { CorruptDocumentError, DocumentLimitError, UnsupportedDocumentError, type LoadedDocument } from '../document';
import { defaultDocumentLimits, type DocumentLimits } from './limits';

export interface SandboxRequest {
  id: number;
  bytes: ArrayBuffer;
  fileName: string;
  contentType: string | null;
  limits: DocumentLimits;
}

export type SandboxReply = { id: number; documents: LoadedDocument[] } | { id: number; error: { name: string; message: string } };

export interface SandboxLimits extends DocumentLimits {
  /** Heap of one loading thread. */
  heapMb: number;
  /** How long one document may take to load. */
  timeBudgetMs: number;
}

export const defaultSandboxLimits: SandboxLimits = { ...defaultDocumentLimits, heapMb: 512, timeBudgetMs: 60_000 };

const errorKinds: Record<string, new (message: string) => Error> = {
  CorruptDocumentError,
  UnsupportedDocumentError,
  DocumentLimitError,
};

interface LoaderThread {
  worker: Worker;
  ready: Promise<void>;
  /** Ran out of heap or time, or stopped: never given another document. */
  broken: boolean;
}

export interface DocumentSandbox {
  load(input: { bytes: Buffer; fileName: string; contentType?: string | null }): Promise<LoadedDocument[]>;
  close(): Promise<void>;
}

/**
 * At most `threads` loads at once, each in its own thread; an idle thread is kept for the next
 * load, and a thread that ran out of heap or time is thrown away.
 */
export function createDocumentSandbox(options: { limits?: Partial<SandboxLimits>; threads?: number } = {}): DocumentSandbox {
  const limits: SandboxLimits = { ...defaultSandboxLimits, ...options.limits };
  const maxThreads = options.threads ?? 2;
  const idle: LoaderThread[] = [];
  const waiting: Array<() => void> = [];
  let busy = 0;
  let nextId = 0;
  let closed = false;

  function spawn(): LoaderThread {
    const worker = new Worker(new URL('./sandbox-thread.mjs', import.meta.url), {
      resourceLimits: { maxOldGenerationSizeMb: limits.heapMb, maxYoungGenerationSizeMb: Math.min(64, Math.max(8, limits.heapMb / 8)), stackSizeMb: 4 },
      stdout: false,
      stderr: false,
    });
    worker.unref();
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (message: unknown) => {
        if (typeof message === 'object' && message !== null && 'ready' in message) {
          worker.off('message', onMessage);
          worker.off('error', reject);
          resolve();
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
    return { worker, ready, broken: false };
  }

  async function acquire(): Promise<LoaderThread> {
    while (busy >= maxThreads) await new Promise<void>((resolve) => waiting.push(resolve));
    busy++;
    return idle.pop() ?? spawn();
  }

  function release(thread: LoaderThread): void {
    busy--;
    if (!thread.broken && !closed && idle.length === 0) idle.push(thread);
    else void thread.worker.terminate();
    waiting.shift()?.();
  }

  async function run(thread: LoaderThread, request: SandboxRequest): Promise<LoadedDocument[]> {
    try {
      await thread.ready;
    } catch (error) {
      thread.broken = true;
      throw new Error(`the document loader thread did not start: ${(error as Error).message}`, { cause: error });
    }
    return await new Promise<LoadedDocument[]>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        thread.worker.off('message', onMessage);
        thread.worker.off('error', onError);
        thread.worker.off('exit', onExit);
      };
      const onMessage = (reply: SandboxReply) => {
        if (reply.id !== request.id) return;
        done();
        if ('documents' in reply) resolve(reply.documents);
        else reject(new (errorKinds[reply.error.name] ?? CorruptDocumentError)(reply.error.message));
      };
      const onError = (error: Error & { code?: string }) => {
        done();
        thread.broken = true;
        reject(
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new DocumentLimitError(`${request.fileName} needs more than ${limits.heapMb} MiB of memory to read`)
            : new CorruptDocumentError(`${request.fileName} could not be read: ${error.message}`),
        );
      };
      const onExit = (code: number) => {
        done();
        thread.broken = true;
        reject(new CorruptDocumentError(`${request.fileName} could not be read: its loader stopped (exit code ${code})`));
      };
      const timer = setTimeout(() => {
        done();
        thread.broken = true;
        reject(new DocumentLimitError(`${request.fileName} took more than ${limits.timeBudgetMs < 1000 ? `${limits.timeBudgetMs} ms` : `${Math.round(limits.timeBudgetMs / 1000)} s`} to read`));
      }, limits.timeBudgetMs);
      thread.worker.on('message', onMessage);
      thread.worker.once('error', onError);
      thread.worker.once('exit', onExit);
      thread.worker.postMessage(request, [request.bytes]);
    });
  }

  return {
    async load({ bytes, fileName, contentType = null }) {
      if (closed) throw new Error('the document sandbox is closed');
      const thread = await acquire();
      // A copy the thread can own: the caller keeps its buffer.
      const copy: ArrayBuffer = new Uint8Array(bytes).buffer;
      const documentLimits: DocumentLimits = {
        maxInflatedBytes: limits.maxInflatedBytes,
        maxZipEntries: limits.maxZipEntries,
        maxPdfPages: limits.maxPdfPages,
        maxNestingDepth: limits.maxNestingDepth,
        maxHtmlElements: limits.maxHtmlElements,
        maxTextChars: limits.maxTextChars,
      };
      try {
        return await run(thread, { id: nextId++, bytes: copy, fileName, contentType, limits: documentLimits });
      } catch (error) {
        // A thread that failed to start is as good as broken.
        if (!(error instanceof CorruptDocumentError || error instanceof UnsupportedDocumentError || error instanceof DocumentLimitError)) thread.broken = true;
        throw error;
      } finally {
        release(thread);
      }
    },
    async close() {
      closed = true;
      await Promise.all(idle.splice(0).map((thread) => thread.worker.terminate()));
    },
  };
}
