// Pure and deterministic, so both the answerQuestion workflow and the server use it.

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A retrieved passage, as retrieval returns it. */
export interface RetrievedChunk {
  chunkId: string;
  source: string;
  title: string | null;
  headingPath: string[];
  text: string;
  score: number;
  start: number;
  end: number;
}

export interface Citation {
  number: number;
  source: string;
  title: string | null;
  chunkId: string;
  /** Whether the answer cites it as [n]. */
  cited: boolean;
}

/** Longest source text put in the prompt; small models answer better from short, focused passages. */
const passageChars = 1200;

/** The prompt: numbered sources, then the question, with the instruction to cite them as [n]. */
export function answerMessages(question: string, chunks: RetrievedChunk[]): ChatMessage[] {
  const sources = chunks
    .map((chunk, i) => `[${i + 1}] ${chunk.title ?? chunk.source}${chunk.headingPath.length ? ` — ${chunk.headingPath.join(' › ')}` : ''}\n${chunk.text.slice(0, passageChars)}`)
    .join('\n\n');
  return [
    {
      role: 'system',
      content: 'You answer questions using only the numbered sources given. Cite the sources you use as [1], [2] and so on. If the sources do not contain the answer, say that you do not know.',
    },
    { role: 'user', content: `Sources:\n\n${sources}\n\nQuestion: ${question}` },
  ];
}

/** Every retrieved source as a numbered citation, marked when the answer refers to it. */
export function citationsFor(answer: string, chunks: RetrievedChunk[]): Citation[] {
  const cited = new Set([...answer.matchAll(/\[(\d{1,2})\]/g)].map((match) => Number(match[1])));
  return chunks.map((chunk, i) => ({ number: i + 1, source: chunk.source, title: chunk.title, chunkId: chunk.chunkId, cited: cited.has(i + 1) }));
}
