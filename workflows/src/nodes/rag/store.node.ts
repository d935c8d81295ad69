import { z } from 'zod';
import { defineNode, standardRetry } from '../../flow/define-node';

export const storeNode = defineNode({
  type: 'rag.store',
  version: 1,
  title: 'Store in Collection',
  category: 'rag',
  description: "Upserts chunks and their vectors into one of your collections (created if new); documents already stored are replaced, so running twice stores once.",
  inputs: {
    chunks: { type: 'chunks', label: 'Chunks' },
    embeddings: { type: 'embeddings', label: 'Embeddings' },
  },
  outputs: { collection: { type: 'collection', label: 'Collection' } },
  params: z.object({
    collection: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'a collection name is 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit').describe('Collection name'),
  }),
  run: { kind: 'activity', activity: 'nodeStore', queue: 'ingest', startToCloseTimeout: '30 minutes', heartbeatTimeout: '30 seconds', retry: standardRetry },
});
