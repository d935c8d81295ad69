import { z } from 'zod';
import { defineNode, standardRetry } from '../../flow/define-node';

export const loadFilesNode = defineNode({
  type: 'sources.load-files',
  version: 1,
  title: 'Load Files',
  category: 'sources',
  description: "Reads the server's files under a folder (text, Markdown, HTML, PDF, DOCX, JSON, CSV). Only admins may run it.",
  inputs: { path: { type: 'text', label: 'Folder or file', required: false, description: 'Overrides the Path parameter' } },
  outputs: { documents: { type: 'documents', label: 'Documents' } },
  params: z.object({
    path: z.string().max(4096).default('').describe('A folder or file on the server; the input port overrides it'),
    glob: z.string().max(500).default('**/*.{txt,text,md,markdown,html,htm,pdf,docx,json,csv}').describe('Which files under the folder to read'),
    maxFiles: z.number().int().min(1).max(100_000).default(1000).describe('Refuse folders with more files than this'),
  }),
  run: { kind: 'activity', activity: 'nodeLoadFiles', queue: 'ingest', startToCloseTimeout: '10 minutes', heartbeatTimeout: '30 seconds', retry: standardRetry },
});
