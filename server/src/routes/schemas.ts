import { z } from '@hono/zod-openapi';

export const errorBody = z.object({ error: z.string(), issues: z.array(z.object({ path: z.string(), message: z.string() })).optional() });
export const errorContent = { 'application/json': { schema: errorBody } };

export const userBody = z.object({
  id: z.string(),
  username: z.string(),
  role: z.enum(['admin', 'user', 'pending']),
  createdAt: z.string(),
  approvedAt: z.string().nullable(),
  /** Set while an admin has suspended the account: nothing of theirs signs in. */
  suspendedAt: z.string().nullable(),
});

/** A URL Astra may fetch for ingest: http or https only, never file:, ftp: or data:. */
export const httpUrl = z
  .string()
  .url()
  .superRefine((value, ctx) => {
    // .url() has already reported a value that does not parse.
    const protocol = URL.canParse(value) ? new URL(value).protocol : 'http:';
    if (!/^https?:$/i.test(protocol)) ctx.addIssue({ code: 'custom', message: `only http: and https: URLs can be ingested, not ${protocol}` });
  });
