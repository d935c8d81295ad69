// How an input port takes a value of another type it accepts (see `connectionProblem`): documents,
// chunks and passages become their joined text, an answer its text, anything else JSON.
import type { FlowMessage } from '../flow/ports';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((item) => isRecord(item) && typeof item.text === 'string')) {
    return value.map((item) => String((item as { text: string }).text)).join('\n\n');
  }
  if (isRecord(value) && typeof value.answer === 'string') return value.answer;
  return JSON.stringify(value, null, 2);
}

/** The collection a node reads: one wired to its input (a reference, or a name as text), else the parameter's. */
export function collectionName(wired: { name: string } | string | undefined, param: string): string {
  return (typeof wired === 'string' ? wired.trim() : wired?.name) || param;
}

export function asList(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (value === undefined || value === null) return [];
  return [value];
}

/** Messages pass as they are; text becomes one user message. */
export function asMessages(value: unknown): FlowMessage[] {
  if (Array.isArray(value) && value.every((item) => isRecord(item) && typeof item.role === 'string' && typeof item.content === 'string')) {
    return value as FlowMessage[];
  }
  return [{ role: 'user', content: asText(value) }];
}

/** `{{name}}` and `{{name.field}}` filled from `values`; unknown names become empty text. */
export function fillTemplate(template: string, values: Record<string, unknown>): string {
  return template.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z0-9_]+)*)\s*\}\}/g, (_match, name: string, fields: string) => {
    let value: unknown = values[name];
    for (const field of fields.split('.').filter(Boolean)) value = isRecord(value) || Array.isArray(value) ? (value as Record<string, unknown>)[field] : undefined;
    return asText(value);
  });
}
