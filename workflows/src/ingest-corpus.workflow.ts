import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities, IngestSource, IngestSummary } from '@astra/activities';

const { planIngest, finishIngest } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
});

// A batch can be long; the heartbeat timeout is what lets a crashed worker's batch move on quickly.
const { ingestBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '60 minutes',
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10, nonRetryableErrorTypes: ['CollectionGone'] },
});

export interface IngestCorpusInput {
  collectionId: string;
  source: IngestSource;
  /** Documents per activity (default 16). */
  batchSize?: number;
  /** Batches before the history is handed to a fresh run (default 200). */
  batchesPerRun?: number;
  /** Carried across continue-as-new: the next item and the planned total. */
  next?: number;
  planned?: number;
}

/** Batches per run before the history is handed over to a fresh run (continue-as-new). */
const defaultBatchesPerRun = 200;

/**
 * Ingests a folder, file or URL into a collection: documents processed in batches as activities,
 * resumable after any crash (the plan and each outcome live in Postgres), cancellable.
 */
export async function ingestCorpus(input: IngestCorpusInput): Promise<IngestSummary> {
  const { workflowId } = workflowInfo();
  let planned: number | null = input.planned ?? null;
  let next = input.next ?? 0;
  if (planned === null) planned = (await planIngest({ workflowId, collectionId: input.collectionId, source: input.source })).planned;
  const batchSize = input.batchSize ?? 16;
  for (let batches = 0; next < planned; batches += 1) {
    if (batches >= (input.batchesPerRun ?? defaultBatchesPerRun) || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof ingestCorpus>({ ...input, next, planned });
    }
    await ingestBatch({ workflowId, collectionId: input.collectionId, from: next, to: next + batchSize });
    next += batchSize;
  }
  return await finishIngest({ workflowId, collectionId: input.collectionId, source: input.source });
}
