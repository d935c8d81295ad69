// What a node's activity (`*.activity.ts`) is built over: the worker's services and the run store its bookkeeping writes to.
import type { IngestDeps } from '../rag/ingest.activities';
import type { RunStore } from './run-store';

export interface NodeServices {
  deps: IngestDeps;
  store: RunStore;
}
