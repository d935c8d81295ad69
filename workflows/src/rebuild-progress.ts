// What the rebuildCollection workflow answers to its `progress` query: the contract its caller parses the answer with.
import { z } from 'zod';

export const rebuildProgressSchema = z.object({ documents: z.number().nullable(), chunks: z.number().nullable(), done: z.number() });
export type RebuildProgress = z.infer<typeof rebuildProgressSchema>;
