// What a username, a password and a role must be: shared by the users repository and the route definitions.
import { z } from 'zod';

export const roleSchema = z.enum(['admin', 'user', 'pending']);
export type Role = z.infer<typeof roleSchema>;

export const usernameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9._-]{1,62}$/, 'a username is 2-63 characters: letters, digits, ".", "_" or "-", starting with a letter or digit');

export const passwordSchema = z.string().min(10, 'a password needs at least 10 characters').max(1024);
