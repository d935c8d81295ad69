import { randomBytes } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { workflows } from '@astra/workflows';
import { startTestWorker, type TestWorker } from '../../activities/src/testing/test-worker';

let worker: TestWorker;
beforeAll(async () => {
  worker = await startTestWorker();
});
afterAll(() => worker.stop());

describe('chatTurn workflow with the local model', () => {
  it('answers a chat prompt through a real workflow', async () => {
    const result = await worker.client.workflow.execute<typeof workflows.chatTurn>('chatTurn', {
      taskQueue: worker.taskQueue,
      workflowId: `chat-${randomBytes(6).toString('hex')}`,
      args: [{ model: 'smollm2-135m-instruct', messages: [{ role: 'user', content: 'What is the capital of France? Answer in one sentence.' }], temperature: 0, maxTokens: 48 }],
    });
    expect(result.answer.trim().length).toBeGreaterThan(0);
    expect(result.answer).toMatch(/Paris/);
    expect(result.completionTokens).toBeGreaterThan(0);
  });

  it('fails at once, without retries, for an unknown model, naming the available ones', async () => {
    const workflowId = `chat-${randomBytes(6).toString('hex')}`;
    const run = worker.client.workflow.execute<typeof workflows.chatTurn>('chatTurn', {
      taskQueue: worker.taskQueue,
      workflowId,
      args: [{ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }],
    });
    const failure = await run.then(() => undefined, (error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    // WorkflowFailedError → ActivityFailure → ApplicationFailure carrying the provider's message.
    const cause = failure instanceof WorkflowFailedError ? failure.cause?.cause : undefined;
    expect(cause instanceof Error ? cause.message : '').toMatch(/unknown model "no-such-model"; available: smollm2-135m-instruct/);
    const history = await worker.client.workflow.getHandle(workflowId).fetchHistory();
    const attempts = (history.events ?? []).filter((event) => event.activityTaskStartedEventAttributes).map((event) => event.activityTaskStartedEventAttributes?.attempt);
    expect(attempts).toEqual([1]);
  });
});
