// The extractive answer style with meaning as well as words: the question and every candidate sentence
// are embedded with the collection's embedding model, and the similarity joins the word overlap.
import { answerSentences, extractiveAnswer, type ExtractiveOptions, type RetrievedChunk } from '@astra/workflows/answer';
import { ContextOverflowError, type ModelProvider } from '../models/provider';
import { cosine } from './retrieval';

/** Sentences are embedded up to this many characters: within MiniLM's 256 tokens even for code. */
const embeddedChars = 400;
const embedBatch = 32;

/** An extractive answer whose sentences are chosen by word overlap and embedding similarity to the question. */
export async function quotedAnswer(models: ModelProvider, embeddingModel: string, question: string, chunks: RetrievedChunk[], options: Omit<ExtractiveOptions, 'similarity'> = {}): Promise<string> {
  const sentences = answerSentences(chunks).map((sentence) => sentence.slice(0, embeddedChars));
  let similarity: number[] | undefined;
  try {
    const texts = [question.slice(0, embeddedChars), ...sentences];
    const vectors: number[][] = [];
    for (let start = 0; start < texts.length; start += embedBatch) vectors.push(...(await models.embed({ model: embeddingModel, texts: texts.slice(start, start + embedBatch) })).vectors);
    similarity = vectors.slice(1).map((vector) => cosine(vectors[0]!, vector));
  } catch (error) {
    // A sentence too long for the model's window: words alone choose.
    if (!(error instanceof ContextOverflowError)) throw error;
  }
  return extractiveAnswer(question, chunks, { ...options, ...(similarity ? { similarity } : {}) });
}
