import type { Connection } from '@temporalio/client';

/** How long ago a worker must have polled a task queue to count as alive. */
const pollerFreshMs = 90_000;

/** The workers polling `taskQueue` for workflow tasks recently, as Temporal sees them. */
export async function liveWorkers(connection: Connection, namespace: string, taskQueue: string): Promise<string[]> {
  const response = await connection.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
  });
  const now = Date.now();
  return (response.pollers ?? [])
    .filter((poller) => {
      const seconds = Number(poller.lastAccessTime?.seconds ?? 0);
      return now - seconds * 1000 < pollerFreshMs;
    })
    .map((poller) => poller.identity ?? 'unknown');
}
