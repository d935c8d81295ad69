import { z } from 'zod';
import { defineNode, standardRetry } from '../../flow/define-node';

export const embedNode = defineNode({
  type: 'rag.embed',
  version: 1,
  title: 'Embed',
  category: 'rag',
  description: 'Turns every chunk into a vector with an embedding model, in batches, reporting progress.',
  inputs: { chunks: { type: 'chunks', label: 'Chunks' } },
  outputs: { embeddings: { type: 'embeddings', label: 'Embeddings' } },
  params: z.object({
    model: z.string().min(1).default('all-minilm-l6-v2').describe('Embedding model'),
  }),
  run: { kind: 'activity', activity: 'nodeEmbed', queue: 'ingest', startToCloseTimeout: '1 hour', heartbeatTimeout: '20 seconds', retry: standardRetry },
});
