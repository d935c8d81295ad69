import { z } from 'zod';
import { defineNode, standardRetry } from '../../flow/define-node';

export const extractNode = defineNode({
  type: 'text.extract',
  version: 1,
  title: 'Extract Matches',
  category: 'text',
  description: "Finds every match of a regular expression (RE2 syntax) in the text: all of them as a list, the first as text. For pulling a verdict, an id or a number out of a model's reply.",
  inputs: { text: { type: 'text', label: 'Text', description: 'Lists and documents are read as their text' } },
  outputs: {
    matches: { type: 'list', label: 'Matches', description: 'Each match (or its capture group) in order' },
    first: { type: 'text', label: 'First match', description: 'Empty when nothing matched' },
  },
  params: z.object({
    pattern: z.string().min(1).max(2000).default('\\d+').describe('The regular expression, RE2 syntax (no backreferences or lookahead)'),
    group: z.number().int().min(0).max(99).default(0).describe('What each match gives: 0 the whole match, n its n-th capture group'),
    caseSensitive: z.boolean().default(true).describe('Tell upper and lower case apart'),
    limit: z.number().int().min(1).max(10_000).default(1000).describe('At most this many matches'),
  }),
  run: { kind: 'activity', activity: 'nodeTextExtract', startToCloseTimeout: '30 seconds', retry: standardRetry },
});
