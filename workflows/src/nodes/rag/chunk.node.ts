import { z } from 'zod';
import { defineNode, standardRetry } from '../../flow/define-node';

export const chunkNode = defineNode({
  type: 'rag.chunk',
  version: 1,
  title: 'Chunk',
  category: 'rag',
  description: "Cuts documents into token-sized, heading-aware chunks that fit the embedding model's window.",
  inputs: { documents: { type: 'documents', label: 'Documents' } },
  outputs: { chunks: { type: 'chunks', label: 'Chunks' } },
  params: z.object({
    embeddingModel: z.string().min(1).default('all-minilm-l6-v2').describe('The model the chunks are sized for (its tokenizer and window)'),
    chunkTokens: z.number().int().min(16).max(8192).optional().describe('Tokens per chunk; by default the most the model takes, up to 1000'),
    overlapTokens: z.number().int().min(0).max(4096).optional().describe('Tokens repeated from the chunk before; by default a fifth of a chunk'),
    skipStoredIn: z
      .string()
      .regex(/^$|^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'a collection name is 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit')
      .default('')
      .describe('A collection of yours: documents it already holds unchanged (same source and content) are left out, so nothing after this node embeds or stores them again, as astra ingest skips them'),
  }),
  run: { kind: 'activity', activity: 'nodeChunk', queue: 'ingest', startToCloseTimeout: '5 minutes', heartbeatTimeout: '30 seconds', retry: standardRetry },
});
