import { ApplicationFailure } from '@temporalio/activity';
import { ContextOverflowError, UnknownModelError } from '../models/provider';
import { answerMessages, resolveAnswerStyle, type AnswerStyle } from '@astra/workflows/answer';
import { createModelsRepo } from '../models/models-repo';
import { createCollectionsRepo } from './collections-repo';
import type { IngestDeps } from './ingest.activities';
import { createRetriever, type RetrievalMode, type RetrievedChunk } from './retrieval';
import type { ChatMessage } from '../models/provider';

/** Retrieval and answer-building activities for the answerQuestion workflow. */
export function createRagActivities(deps: Pick<IngestDeps, 'pool' | 'chroma' | 'models'>) {
  const collections = createCollectionsRepo(deps.pool);
  const retriever = createRetriever(deps);
  const registered = createModelsRepo(deps.pool);
  return {
    /** Passages and prompt for a question, and (when given the model) how to answer: quoting for a small local model. */
    async retrieveForAnswer(input: { collectionId: string; question: string; k: number; mode: RetrievalMode; model?: string; style?: AnswerStyle }): Promise<{ chunks: RetrievedChunk[]; messages: ChatMessage[]; style: 'extractive' | 'generative' }> {
      const collection = await collections.get(input.collectionId);
      if (!collection) throw ApplicationFailure.nonRetryable(`collection ${input.collectionId} does not exist`, 'CollectionGone');
      try {
        const chunks = await retriever.retrieve({ collection, query: input.question, k: input.k, mode: input.mode });
        const style = resolveAnswerStyle(input.style ?? 'auto', input.model ? (await registered.get(input.model))?.sizeBytes : undefined);
        return { chunks, messages: answerMessages(input.question, chunks), style };
      } catch (error) {
        if (error instanceof UnknownModelError || error instanceof ContextOverflowError) throw ApplicationFailure.nonRetryable(error.message, error.name);
        throw error;
      }
    },
  };
}
