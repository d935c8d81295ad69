// Limits on routes whose every call costs real work (probing each backing service, running a
// workflow): per address for public routes, per user for signed-in ones. Counters live in the
// server's memory, like the login throttle's.
import type { Context, MiddlewareHandler } from 'hono';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { AppEnv } from './app-types';
import { clientAddress } from './routes/auth.handlers';

export interface RateLimits {
  /** `GET /readyz` calls one address may make per minute: above npm start's 4 a second while it waits, far above probes and monitors. */
  readinessPerAddressPerMinute: number;
  /** Self-check workflows one user may start per minute. */
  selfChecksPerUserPerMinute: number;
}

export const defaultRateLimits: RateLimits = { readinessPerAddressPerMinute: 300, selfChecksPerUserPerMinute: 6 };

/**
 * A middleware that lets `points` calls per `seconds` through for each key and answers the rest 429
 * with `Retry-After` and a message naming the limit.
 */
export function rateLimit(options: { name: string; points: number; seconds: number; key: (c: Context<AppEnv>) => string; what: string }): MiddlewareHandler<AppEnv> {
  const limiter = new RateLimiterMemory({ keyPrefix: options.name, points: options.points, duration: options.seconds });
  return async (c, next) => {
    try {
      await limiter.consume(options.key(c));
    } catch (refusal) {
      const seconds = Math.max(1, Math.ceil((refusal instanceof RateLimiterRes ? refusal.msBeforeNext : 1000) / 1000));
      c.header('Retry-After', String(seconds));
      return c.json({ error: `${options.what} is limited to ${options.points} per ${options.seconds === 60 ? 'minute' : `${options.seconds} s`}; try again in ${seconds} s` }, 429);
    }
    await next();
  };
}

/** The limited routes' middlewares, over the app's trusted proxies (for client addresses). */
export function routeRateLimits(limits: Partial<RateLimits>, trustedProxies: readonly string[]) {
  const { readinessPerAddressPerMinute, selfChecksPerUserPerMinute } = { ...defaultRateLimits, ...limits };
  return {
    readiness: rateLimit({ name: 'readyz', points: readinessPerAddressPerMinute, seconds: 60, key: (c) => clientAddress(c, trustedProxies), what: '/readyz from one address' }),
    selfCheck: rateLimit({ name: 'self-check', points: selfChecksPerUserPerMinute, seconds: 60, key: (c) => c.get('user').id, what: 'the self-check' }),
  };
}
