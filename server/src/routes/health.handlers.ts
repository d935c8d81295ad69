import type { AppDeps, AppRouteHandler } from '../app-types';
import type { healthz, readyz } from './health.routes';

export const healthHandlers = (deps: AppDeps) => ({
  healthz: ((c) => c.json({ status: 'ok' as const }, 200)) satisfies AppRouteHandler<typeof healthz>,
  readyz: (async (c) => {
    const report = await deps.readiness.report();
    // The public answer says up or down per part; details (addresses, errors) are for /api/status.
    const parts = {
      temporal: { up: report.parts.temporal.up },
      postgres: { up: report.parts.postgres.up },
      chroma: { up: report.parts.chroma.up },
      worker: { up: report.parts.worker.up },
    };
    return report.ready ? c.json({ ready: true, parts }, 200) : c.json({ ready: false, parts }, 503);
  }) satisfies AppRouteHandler<typeof readyz>,
});
