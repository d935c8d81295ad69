import { proxyActivities } from '@temporalio/workflow';
import type { Activities, SelfCheckRecord } from '@astra/activities';

const { writeSelfCheck, readSelfCheck } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumAttempts: 5 },
});

export interface SelfCheckInput {
  checkId: string;
  note: string;
}

/**
 * Proves the whole stack end to end: a durable workflow whose activity writes to Postgres and to
 * Chroma, then reads both back. `astra status --deep` and the foundation tests run it.
 */
export async function selfCheck(input: SelfCheckInput): Promise<SelfCheckRecord> {
  await writeSelfCheck(input);
  return await readSelfCheck(input.checkId);
}
