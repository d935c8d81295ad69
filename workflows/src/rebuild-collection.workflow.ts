import { continueAsNew, defineQuery, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { RebuildProgress } from './rebuild-progress';
import type { Activities, RebuildSummary } from '@astra/activities';

const { planRebuild, finishRebuild } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10, nonRetryableErrorTypes: ['CollectionGone'] },
});

// A page embeds hundreds of chunks; the heartbeat timeout is what lets a crashed worker's page move on quickly.
const { rebuildBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '60 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10, nonRetryableErrorTypes: ['CollectionGone', 'UnknownModelError', 'ContextOverflowError'] },
});

export interface RebuildCollectionInput {
  collectionId: string;
  /** Chunks per activity (default 256). */
  batchSize?: number;
  /** Batches before the history is handed to a fresh run (default 200). */
  batchesPerRun?: number;
  /** Carried across continue-as-new: the last chunk id done, how many so far, and the plan. */
  afterId?: string;
  done?: number;
  planned?: { documents: number; chunks: number };
}

export const rebuildProgressQuery = defineQuery<RebuildProgress>('progress');

/**
 * Restores a collection's vectors in Chroma from the Postgres ledger: every chunk embedded again with
 * the collection's model under its own id, in id order, resumable after any crash, then vectors the
 * ledger does not know removed.
 */
export async function rebuildCollection(input: RebuildCollectionInput): Promise<RebuildSummary> {
  let planned = input.planned ?? null;
  let afterId = input.afterId ?? '';
  let done = input.done ?? 0;
  setHandler(rebuildProgressQuery, () => ({ documents: planned?.documents ?? null, chunks: planned?.chunks ?? null, done }));
  planned ??= await planRebuild({ collectionId: input.collectionId });
  const batchSize = input.batchSize ?? 256;
  for (let batches = 0; ; batches += 1) {
    if (batches >= (input.batchesPerRun ?? 200) || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof rebuildCollection>({ ...input, afterId, done, planned });
    }
    const page = await rebuildBatch({ collectionId: input.collectionId, afterId, limit: batchSize });
    done += page.upserted;
    afterId = page.lastId;
    if (page.upserted < batchSize) break;
  }
  return await finishRebuild({ collectionId: input.collectionId });
}
