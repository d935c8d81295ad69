import { patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '@astra/activities';
import { citationsFor, extractiveAnswer, type AnswerStyle, type Citation } from './answer';

const { retrieveForAnswer } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumAttempts: 5 },
});
const { generateText } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 3 },
});

export interface AnswerQuestionInput {
  collectionId: string;
  question: string;
  model: string;
  k?: number;
  mode?: 'vector' | 'keyword' | 'hybrid';
  maxTokens?: number;
  /** How to answer (see the Answer node); auto quotes the passages when the model is small. */
  style?: AnswerStyle;
}

export interface AnswerQuestionResult {
  answer: string;
  citations: Citation[];
}

/**
 * Retrieve → prompt → generate (streamed live as run events named after this workflow) → numbered
 * citations; or, for a small model, the passages' own sentences quoted with their [n].
 */
export async function answerQuestion(input: AnswerQuestionInput): Promise<AnswerQuestionResult> {
  const { chunks, messages, style } = await retrieveForAnswer({
    collectionId: input.collectionId, question: input.question, k: input.k ?? 5, mode: input.mode ?? 'hybrid', model: input.model, style: input.style ?? 'auto',
  });
  if (chunks.length === 0) return { answer: 'The collection has nothing relevant to this question.', citations: [] };
  // Histories recorded before extractive answers always generated.
  if (style === 'extractive' && patched('extractive-answers')) {
    const answer = extractiveAnswer(input.question, chunks);
    return { answer, citations: citationsFor(answer, chunks) };
  }
  const generated = await generateText({ model: input.model, messages, temperature: 0, maxTokens: input.maxTokens ?? 300, publishAs: workflowInfo().workflowId });
  return { answer: generated.text, citations: citationsFor(generated.text, chunks) };
}
