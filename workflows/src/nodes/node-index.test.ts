// The registry's indexes are derived from the spec and activity files; this fails when one is stale
// (a node file added, renamed or removed without `npm run generate:nodes`), naming the file to regenerate.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeIndexes } from '../../scripts/node-index';

describe('node indexes', () => {
  it('list every spec file and activity file as they are now', () => {
    for (const [file, wanted] of Object.entries(nodeIndexes())) {
      expect(readFileSync(file, 'utf8'), `${file} is stale: run npm run generate:nodes`).toBe(wanted);
    }
  });
});
