// Files attached in a chat with someone else's shared app, on the real stack: the app's runs read the
// publisher's collections, and besides them the attachments of the conversation the turn belongs to,
// which belong to the chatting user. Nobody else's attachments are reachable by naming them.
/* eslint-disable @typescript-eslint/no-explicit-any -- the test reads the API's JSON answers as a client would, loosely */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestWorker, type TestWorker } from '../../../activities/src/testing/test-worker';
import { createAppHarness, type AppHarness } from '../testing/app-harness';
import { graphOf } from '../flows/testing/graphs';

let worker: TestWorker;
let harness: AppHarness;
beforeAll(async () => {
  worker = await startTestWorker();
  harness = await createAppHarness({ taskQueue: worker.taskQueue });
}, 180_000);
afterAll(async () => {
  await harness?.close();
  await worker?.stop();
});

type User = Awaited<ReturnType<AppHarness['newUser']>>;

async function upload(user: User, collection: string, filename: string, text: string): Promise<void> {
  const response = await harness.app.request(`http://astra.test/api/uploads?collection=${collection}&filename=${filename}`, { method: 'POST', headers: { authorization: `Bearer ${user.token}` }, body: text });
  expect(response.status).toBe(202);
  const { workflowId } = (await response.json()) as { workflowId: string };
  await expect.poll(async () => (await harness.call(user.token, 'GET', `/api/ingest/${workflowId}`)).body.status, { timeout: 120_000, interval: 250 }).toBe('completed');
}

/** One turn through the chat API, read to its end; the stored answer. */
async function say(user: User, conversationId: string, content: string, inputs: Record<string, string>) {
  const response = await harness.app.request(`http://astra.test/api/conversations/${conversationId}/messages`, {
    method: 'POST', headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ content, inputs }),
  });
  expect(response.status).toBe(200);
  await response.text();
  const stored = (await harness.call(user.token, 'GET', `/api/conversations/${conversationId}`)).body.conversation;
  return stored.messages.at(-1);
}

describe('attachments in a shared app', () => {
  it("answers from the chatting user's own attachments, and never from another user's", async () => {
    const publisher = await harness.newUser('user');
    const chatter = await harness.newUser('user');
    const stranger = await harness.newUser('user');
    const base = `team-notes-${Date.now().toString(36)}`;
    await upload(publisher, base, 'welcome.md', '# Welcome\n\nThis collection holds the general notes of the team.\n');
    const graph = graphOf(
      [
        { id: 'chat', type: 'io.chat-input' },
        { id: 'files', type: 'io.input', params: { name: 'collection', default: base, required: false } },
        { id: 'retrieve', type: 'rag.retrieve', params: { collection: base, k: 3 } },
        { id: 'answer', type: 'rag.answer', params: { style: 'extractive', maxTokens: 120 } },
        { id: 'reply', type: 'io.chat-output' },
      ],
      ['chat.message>retrieve.query', 'files.value>retrieve.collection', 'chat.message>answer.question', 'retrieve.passages>answer.passages', 'answer.answer>reply.message'],
    );
    const flow = await harness.call(publisher.token, 'POST', '/api/flows', { name: 'Ask the team', graph });
    expect(flow.status).toBe(201);
    const slug = `team-${Date.now().toString(36)}`;
    expect((await harness.call(publisher.token, 'POST', '/api/apps', { flowId: flow.body.flow.id, slug, visibility: 'shared', roles: ['user'] })).status).toBe(201);

    // The chatting user attaches a file to their conversation: it lands in their own collection.
    const conversation = (await harness.call(chatter.token, 'POST', `/api/apps/${slug}/conversations`, {})).body.conversation.id as string;
    const attachments = `chat-${conversation}`;
    await upload(chatter, attachments, 'harbour-notes.md', '# Harbour notes\n\nThe harbour master of Port Veltrana is Ilse Marrow. She rings the brass bell at dawn every Tuesday.\n');
    expect((await harness.call(publisher.token, 'GET', `/api/collections/${attachments}`)).status).toBe(404);

    const answer = await say(chatter, conversation, 'Who is the harbour master of Port Veltrana?', { collection: attachments });
    expect(answer.status, answer.error).toBe('done');
    expect(answer.content).toContain('Ilse Marrow');
    expect(answer.citations.map((citation: any) => citation.source)).toEqual([expect.stringMatching(/harbour-notes\.md$/)]);

    // Another user of the same app naming that conversation's collection gets nothing of it.
    const theirs = (await harness.call(stranger.token, 'POST', `/api/apps/${slug}/conversations`, {})).body.conversation.id as string;
    const refused = await say(stranger, theirs, 'Who is the harbour master of Port Veltrana?', { collection: attachments });
    expect(refused.status).toBe('failed');
    expect(refused.content).not.toContain('Ilse Marrow');
    expect(refused.error).toContain(`no collection named "${attachments}"`);

    // Nor does the publisher's own run of the flow reach it.
    const run = await harness.call(publisher.token, 'POST', '/api/runs', { flowId: flow.body.flow.id, inputs: { message: 'Who is the harbour master?', collection: attachments } });
    expect(run.status).toBe(201);
    await expect.poll(async () => (await harness.call(publisher.token, 'GET', `/api/runs/${run.body.run.id}`)).body.run.status, { timeout: 120_000, interval: 250 }).toBe('failed');
  }, 400_000);
});
