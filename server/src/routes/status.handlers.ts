import { randomUUID } from 'node:crypto';
import type { workflows } from '@astra/workflows';
import type { AppDeps, AppRouteHandler } from '../app-types';
import { astraVersion } from '../version';
import type { selfCheck, status } from './status.routes';

const selfCheckTimeoutMs = 30_000;

export const statusHandlers = (deps: AppDeps) => ({
  status: (async (c) => {
    const report = await deps.readiness.report();
    const { username, role } = c.get('user');
    return c.json({
      ready: report.ready,
      version: astraVersion,
      serverUrl: deps.env.publicUrl,
      // The Temporal UI shows every user's runs: only admins are pointed at it.
      temporalUiUrl: role === 'admin' ? deps.env.TEMPORAL_UI_URL || null : null,
      user: { username, role },
      parts: report.parts,
    }, 200);
  }) satisfies AppRouteHandler<typeof status>,

  selfCheck: (async (c) => {
    const checkId = `self-check-${randomUUID()}`;
    const note = `written by ${c.get('user').username} at ${new Date().toISOString()}`;
    const began = performance.now();
    const handle = await deps.temporal.workflow.start<typeof workflows.selfCheck>('selfCheck', {
      taskQueue: deps.env.ASTRA_TASK_QUEUE,
      workflowId: checkId,
      args: [{ checkId, note }],
      workflowExecutionTimeout: `${selfCheckTimeoutMs} ms`,
    });
    try {
      const record = await handle.result();
      const ok = record.postgres?.note === note && record.chroma?.document === note;
      return c.json({
        ok,
        workflowId: checkId,
        durationMs: Math.round(performance.now() - began),
        postgres: record.postgres,
        chroma: record.chroma && { document: record.chroma.document },
      }, 200);
    } catch (error) {
      deps.logger.warn({ event: 'self-check.failed', workflowId: checkId, err: (error as Error).message });
      return c.json({ error: `the self-check workflow ${checkId} did not complete: ${(error as Error).message}` }, 504);
    }
  }) satisfies AppRouteHandler<typeof selfCheck>,
});
