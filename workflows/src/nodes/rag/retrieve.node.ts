import { z } from 'zod';
import { defineNode, standardRetry } from '../../flow/define-node';

export const retrieveNode = defineNode({
  type: 'rag.retrieve',
  version: 1,
  title: 'Retrieve',
  category: 'rag',
  description: 'Finds the passages of a collection closest to a query: vector, keyword or hybrid search.',
  inputs: {
    query: { type: 'text', label: 'Query' },
    collection: { type: 'collection', label: 'Collection', required: false, description: 'Overrides the Collection parameter' },
  },
  outputs: { passages: { type: 'passages', label: 'Passages' } },
  params: z.object({
    collection: z.union([z.literal(''), z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'a collection name is 1-63 letters, digits, ".", "_" or "-"')]).default('').describe('Collection to search; the input port overrides it'),
    k: z.number().int().min(1).max(50).default(5).describe('How many passages'),
    mode: z.enum(['vector', 'keyword', 'hybrid']).default('hybrid').describe('Search mode'),
    minScore: z.number().min(0).max(1).optional().describe('Drop passages scoring below this'),
    mmrLambda: z.number().min(0).max(1).optional().describe('Diversity: 1 is pure relevance, lower mixes in different passages'),
  }),
  run: { kind: 'activity', activity: 'nodeRetrieve', startToCloseTimeout: '1 minute', retry: standardRetry },
});
