import { z } from 'zod';
import { defineNode, standardRetry } from '../../flow/define-node';

export const loadUrlNode = defineNode({
  type: 'sources.load-url',
  version: 1,
  title: 'Load URL',
  category: 'sources',
  description: 'Fetches one web page or file over HTTP(S), refusing private and internal addresses; server errors are retried.',
  inputs: { url: { type: 'text', label: 'URL', required: false, description: 'Overrides the URL parameter' } },
  outputs: { documents: { type: 'documents', label: 'Documents' } },
  params: z.object({
    url: z.union([z.literal(''), z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' })]).default('').describe('The address to fetch; the input port overrides it'),
  }),
  run: { kind: 'activity', activity: 'nodeLoadUrl', queue: 'ingest', startToCloseTimeout: '2 minutes', retry: standardRetry },
});
