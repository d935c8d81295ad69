// Answers every route can give that no single route declares: the 400 of the shared request check
// (a field fails its schema, or input-guard.ts refuses a value) and the 413 of the body limit. Added
// to the published document so that it tells a client everything it may get back.
const errorSchema = {
  type: 'object',
  properties: {
    error: { type: 'string' },
    issues: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } }, required: ['path', 'message'] } },
  },
  required: ['error'],
};
const errorAnswer = (description: string) => ({ description, content: { 'application/json': { schema: errorSchema } } });
const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

interface OpenApiDocument { paths?: Record<string, Partial<Record<(typeof methods)[number], { responses?: Record<string, unknown>; requestBody?: unknown }>>> }

export function withSharedAnswers<D extends OpenApiDocument>(document: D, limits: { jsonLimitBytes: number }): D {
  for (const operations of Object.values(document.paths ?? {})) {
    for (const method of methods) {
      const operation = operations[method];
      if (!operation) continue;
      operation.responses ??= {};
      operation.responses['400'] ??= errorAnswer('a parameter or field fails its schema, or holds a value that cannot be stored (the error names it)');
      if (operation.requestBody) operation.responses['413'] ??= errorAnswer(`the body is over the limit (${limits.jsonLimitBytes / 1024 / 1024} MiB for JSON)`);
    }
  }
  return document;
}
