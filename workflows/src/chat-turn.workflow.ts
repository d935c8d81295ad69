import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '@astra/activities';

const { generateText } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 3 },
});

export interface ChatTurnInput {
  model: string;
  messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>;
  maxTokens?: number;
  temperature?: number;
  stop?: string[];
  /** When set, the answer's tokens are published live under this stream name (the workflow id, by convention). */
  publishAs?: string;
}

export interface ChatTurnResult {
  answer: string;
  finishReason: 'stop' | 'length' | 'abort';
  promptTokens: number;
  completionTokens: number;
}

/** One chat turn as a durable workflow: the conversation so far in, the model's answer out. */
export async function chatTurn(input: ChatTurnInput): Promise<ChatTurnResult> {
  const result = await generateText({
    model: input.model, messages: input.messages, maxTokens: input.maxTokens, temperature: input.temperature,
    ...(input.stop?.length ? { stop: input.stop } : {}), ...(input.publishAs ? { publishAs: input.publishAs } : {}),
  });
  return { answer: result.text, finishReason: result.finishReason, promptTokens: result.promptTokens, completionTokens: result.completionTokens };
}
