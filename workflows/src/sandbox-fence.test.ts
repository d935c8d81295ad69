import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowsPath } from '@astra/workflows';

function collectingLogger() {
  const errors: string[] = [];
  const ignore = () => undefined;
  return { errors, logger: { trace: ignore, debug: ignore, info: ignore, warn: ignore, log: ignore, error: (message: string) => errors.push(message) } };
}
const quiet = { logger: collectingLogger().logger };

describe('workflow bundle (the Temporal sandbox fence)', () => {
  it('bundles every Astra workflow', async () => {
    const bundle = await bundleWorkflowCode({ workflowsPath, ...quiet });
    expect(bundle.code).toContain('selfCheck');
  });

  it('fails to bundle a workflow that imports a Node builtin', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'astra-bad-workflow-'));
    const file = path.join(dir, 'bad.workflow.ts');
    await writeFile(file, "import { readFileSync } from 'node:fs';\nexport async function readsDisk(): Promise<string> { return readFileSync('/etc/hostname', 'utf8'); }\n");
    const { errors, logger } = collectingLogger();
    await expect(bundleWorkflowCode({ workflowsPath: file, logger })).rejects.toThrow(/Webpack finished with errors/);
    expect(errors.join('\n')).toMatch(/node:fs/);
  });
});

describe('lint fence for workflow code', () => {
  // ESLint with type information over the workflow code: about 20 s alone, minutes beside a CI's other files.
  it('rejects Node builtins, database clients and SDK parts other than workflow under workflows/', async () => {
    const { ESLint } = await import('eslint');
    const eslint = new ESLint({ cwd: path.resolve(import.meta.dirname, '..', '..') });
    const source = [
      "import { readFileSync } from 'node:fs';",
      "import pg from 'pg';",
      "import { Worker } from '@temporalio/worker';",
      "import { proxyActivities } from '@temporalio/workflow';",
      'export const used = [readFileSync, pg, Worker, proxyActivities];',
      '',
    ].join('\n');
    // Linted as if it were the bundle entry, so the typed parser knows the file.
    const [result] = await eslint.lintText(source, { filePath: path.resolve(import.meta.dirname, 'workflows.ts') });
    expect(result!.messages.filter((message) => message.fatal)).toEqual([]);
    const fenced = result!.messages.filter((message) => message.ruleId === 'no-restricted-imports').map((message) => message.line);
    expect(fenced).toEqual([1, 2, 3]);
  }, 180_000);
});
