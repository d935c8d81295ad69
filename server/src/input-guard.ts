// JSON bodies are checked for what PostgreSQL or a recursive parser would choke on, before any route
// sees them: NUL characters and lone surrogates (text and jsonb refuse them) and nesting past a
// sane depth. The 400 names the field, as the schema errors do, instead of a 500 from the database.
import type { MiddlewareHandler } from 'hono';

export const maxJsonDepth = 64;

const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function stringProblem(text: string): string | undefined {
  if (text.includes('\0')) return 'contains a NUL character (\\u0000), which cannot be stored';
  if (loneSurrogate.test(text)) return 'contains a lone UTF-16 surrogate (half of an emoji or other character), which cannot be stored';
  return undefined;
}

/** The first problem in a parsed JSON value, with its path; walked without recursion, so depth cannot overflow the stack. */
export function jsonProblem(value: unknown): { path: string; message: string } | undefined {
  const pending: Array<{ value: unknown; path: Array<string | number> }> = [{ value, path: [] }];
  while (pending.length > 0) {
    const { value: current, path } = pending.pop()!;
    const where = () => path.join('.') || '(body)';
    if (typeof current === 'string') {
      const problem = stringProblem(current);
      if (problem) return { path: where(), message: problem };
    } else if (typeof current === 'object' && current !== null) {
      if (path.length >= maxJsonDepth) return { path: where(), message: `nests deeper than ${maxJsonDepth} levels` };
      const entries: Array<[string | number, unknown]> = Array.isArray(current) ? current.map((item, i) => [i, item]) : Object.entries(current);
      for (const [key, item] of entries.reverse()) {
        if (typeof key === 'string') {
          const problem = stringProblem(key);
          if (problem) return { path: [...path, key].join('.'), message: `its name ${problem}` };
        }
        pending.push({ value: item, path: [...path, key] });
      }
    }
  }
  return undefined;
}

/** Refuses JSON bodies and query strings with values that cannot be stored; a body that is not JSON is left to the route's schema. */
export const inputGuard: MiddlewareHandler = async (c, next) => {
  for (const [name, values] of Object.entries(c.req.queries())) {
    for (const value of values) {
      const problem = stringProblem(value);
      if (problem) return c.json({ error: `invalid request: ${name}: ${problem}`, issues: [{ path: name, message: problem }] }, 400);
    }
  }
  if (!['POST', 'PUT', 'PATCH'].includes(c.req.method) || !(c.req.header('content-type') ?? '').includes('json')) return next();
  let body: unknown;
  try {
    // Hono keeps the parsed body, so the route's validator does not parse it again.
    body = await c.req.json();
  } catch {
    return next();
  }
  const problem = jsonProblem(body);
  if (problem) return c.json({ error: `invalid request: ${problem.path}: ${problem.message}`, issues: [problem] }, 400);
  return next();
};
