// Prometheus metrics of the server process: HTTP latency by route pattern, flow runs by status, and
// the Node.js process itself. Served at GET /metrics (see README "Metrics").
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type pg from 'pg';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AppEnv } from './app-types';

/** Latency buckets in seconds: API calls are milliseconds, SSE streams and uploads can be minutes. */
const httpBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 120];

export interface ServerMetrics {
  registry: Registry;
  /** Times every request; the route label is the matched pattern (`/api/runs/:id`), never the raw path. */
  middleware: MiddlewareHandler<AppEnv>;
  /** GET /metrics: the text exposition format, behind the scrape token when one is configured. */
  handler: (c: Context<AppEnv>) => Promise<Response>;
}

/** The registered pattern that answered, or `(unmatched)` for a 404 so raw paths never become label values. */
function routePattern(c: Context<AppEnv>): string {
  const handlers = matchedRoutes(c).filter((route) => route.method !== 'ALL');
  return handlers.at(-1)?.path ?? '(unmatched)';
}

const digest = (value: string) => createHash('sha256').update(value).digest();

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

export function createServerMetrics(options: { pool: pg.Pool; scrapeToken?: string | undefined; host: string }): ServerMetrics {
  const registry = new Registry();
  // Standard process_* and nodejs_* names (no prefix), as every Node dashboard and the CPU alert expect them.
  collectDefaultMetrics({ register: registry });

  const httpDuration = new Histogram({
    name: 'astra_http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: httpBuckets,
    registers: [registry],
  });

  new Gauge({
    name: 'astra_flow_runs',
    help: 'Flow runs recorded in the database, by status (running, succeeded, failed, cancelled)',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      // Read at scrape time: every server replica reports the same numbers, so dashboards take max(), not sum().
      // A database that does not answer leaves the series out (and counts it) rather than failing the whole
      // scrape, which would read as this server being down.
      const rows = await options.pool.query<{ status: string; count: string }>('select status, count(*)::text as count from runs group by status').then(
        (result) => result.rows,
        () => undefined,
      );
      this.reset();
      if (!rows) {
        collectFailures.inc({ metric: 'astra_flow_runs' });
        return;
      }
      for (const status of ['running', 'succeeded', 'failed', 'cancelled']) this.set({ status }, 0);
      for (const row of rows) this.set({ status: row.status }, Number(row.count));
    },
  });

  const collectFailures = new Counter({
    name: 'astra_metrics_collect_failures_total',
    help: 'Scrapes that could not read a metric from its source (the database), by metric',
    labelNames: ['metric'] as const,
    registers: [registry],
  });
  // Series are gathered concurrently, so a failure shows from the next scrape on; starts at 0 so rate() sees the first.
  collectFailures.inc({ metric: 'astra_flow_runs' }, 0);

  const middleware: MiddlewareHandler<AppEnv> = async (c, next) => {
    const began = performance.now();
    try {
      await next();
    } finally {
      httpDuration.observe({ method: c.req.method, route: routePattern(c), status: String(c.res.status) }, (performance.now() - began) / 1000);
    }
  };

  const expected = options.scrapeToken ? digest(options.scrapeToken) : undefined;
  const handler = async (c: Context<AppEnv>) => {
    if (expected) {
      const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
      if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
        return c.json({ error: 'metrics need the scrape token: send Authorization: Bearer $ASTRA_METRICS_TOKEN' }, 401);
      }
    } else if (!isLoopback(options.host)) {
      return c.json({ error: 'metrics are served without a token only on a loopback address; set ASTRA_METRICS_TOKEN to scrape this server' }, 403);
    }
    return c.body(await registry.metrics(), 200, { 'content-type': registry.contentType });
  };

  return { registry, middleware, handler };
}
