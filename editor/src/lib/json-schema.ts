// The inspector's form, generated from a node type's params JSON Schema: one field per property,
// with its default, description and the checks the server will make, so mistakes show while typing.
import type { JsonSchema } from '../api/schemas';

export type FieldKind = 'text' | 'long-text' | 'number' | 'integer' | 'boolean' | 'choice' | 'text-list' | 'json';

export interface FormField {
  name: string;
  kind: FieldKind;
  label: string;
  description: string;
  required: boolean;
  default: unknown;
  hasDefault: boolean;
  choices: string[];
  schema: JsonSchema;
}

const typesOf = (schema: JsonSchema): string[] => (Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : []);

/** The branches a value may match: `anyOf`/`oneOf` alternatives, or the schema itself. */
const branches = (schema: JsonSchema): JsonSchema[] => schema.anyOf ?? schema.oneOf ?? [schema];

/** "maxTokens" → "Max tokens", "k" → "K". */
export function labelFor(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function kindOf(name: string, schema: JsonSchema): { kind: FieldKind; choices: string[] } {
  const options = branches(schema);
  const enums = options.flatMap((option) => option.enum ?? []);
  if (enums.length > 0 && enums.every((value) => typeof value === 'string')) return { kind: 'choice', choices: enums.map(String) };
  const types = new Set(options.flatMap(typesOf));
  if (types.has('boolean')) return { kind: 'boolean', choices: [] };
  if (types.has('integer')) return { kind: 'integer', choices: [] };
  if (types.has('number')) return { kind: 'number', choices: [] };
  if (types.has('array')) {
    const items = options.find((option) => option.items)?.items;
    if (items && typesOf(items).includes('string')) return { kind: 'text-list', choices: [] };
    return { kind: 'json', choices: [] };
  }
  if (types.has('string')) {
    const long = (schema.maxLength ?? options.reduce((most, option) => Math.max(most, option.maxLength ?? 0), 0)) > 4096 || /template|system|prompt/i.test(name);
    return { kind: long ? 'long-text' : 'text', choices: [] };
  }
  return { kind: 'json', choices: [] };
}

/** The form's fields, in the schema's property order. */
export function formFields(schema: JsonSchema): FormField[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, property]) => {
    const { kind, choices } = kindOf(name, property);
    return {
      name,
      kind,
      label: property.title ?? labelFor(name),
      description: property.description ?? '',
      required: required.has(name),
      default: property.default,
      hasDefault: property.default !== undefined,
      choices,
      schema: property,
    };
  });
}

/** A new node's params: every property that has a default, so what is saved is what runs. */
export function defaultParams(schema: JsonSchema): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (property.default !== undefined) params[name] = structuredClone(property.default);
  }
  return params;
}

function typeMatches(schema: JsonSchema, value: unknown): boolean {
  const types = typesOf(schema);
  if (types.length === 0) return true;
  return types.some((type) => {
    switch (type) {
      case 'string': return typeof value === 'string';
      case 'number': return typeof value === 'number' && Number.isFinite(value);
      case 'integer': return typeof value === 'number' && Number.isInteger(value);
      case 'boolean': return typeof value === 'boolean';
      case 'array': return Array.isArray(value);
      case 'object': return typeof value === 'object' && value !== null && !Array.isArray(value);
      case 'null': return value === null;
      default: return true;
    }
  });
}

const typeWords: Record<string, string> = { string: 'text', number: 'a number', integer: 'a whole number', boolean: 'true or false', array: 'a list', object: 'an object' };

/** Why a value does not fit one schema branch, or null. */
function branchProblem(schema: JsonSchema, value: unknown): string | null {
  if (schema.const !== undefined && value !== schema.const) return schema.const === '' ? 'must be empty' : `must be ${JSON.stringify(schema.const)}`;
  if (!typeMatches(schema, value)) return `must be ${typesOf(schema).map((type) => typeWords[type] ?? type).join(' or ')}`;
  if (schema.enum && !schema.enum.includes(value)) return `must be one of ${schema.enum.map(String).join(', ')}`;
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) return `must be at least ${schema.minimum}`;
    if (schema.maximum !== undefined && value > schema.maximum) return `must be at most ${schema.maximum}`;
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) return `must be more than ${schema.exclusiveMinimum}`;
    if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum) return `must be less than ${schema.exclusiveMaximum}`;
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) return schema.minLength === 1 ? 'must not be empty' : `must be at least ${schema.minLength} characters`;
    if (schema.maxLength !== undefined && value.length > schema.maxLength) return `must be at most ${schema.maxLength} characters`;
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) return `must match ${schema.pattern}`;
    if (schema.format === 'uri' && !URL.canParse(value)) return 'must be a full address (https://…)';
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) return `needs at least ${schema.minItems} items`;
    if (schema.maxItems !== undefined && value.length > schema.maxItems) return `takes at most ${schema.maxItems} items`;
    if (schema.items) {
      for (const [i, item] of value.entries()) {
        const problem = valueProblem(schema.items, item);
        if (problem) return `item ${i + 1} ${problem}`;
      }
    }
  }
  return null;
}

/** Why a value does not fit its schema (any branch of anyOf/oneOf may match), or null. */
export function valueProblem(schema: JsonSchema, value: unknown): string | null {
  const options = branches(schema);
  const problems = options.map((option) => branchProblem(option, value));
  if (problems.some((problem) => problem === null)) return null;
  // Name the problem of the most specific branch: a pattern beats "must be empty".
  return problems.filter((problem) => problem !== 'must be empty').at(-1) ?? problems[0] ?? null;
}

/** Problems of a whole params object, by field name. */
export function paramsProblems(schema: JsonSchema, params: Record<string, unknown>): Record<string, string> {
  const found: Record<string, string> = {};
  for (const field of formFields(schema)) {
    const value = params[field.name];
    if (value === undefined) {
      if (field.required && !field.hasDefault) found[field.name] = 'is required';
      continue;
    }
    const problem = valueProblem(field.schema, value);
    if (problem) found[field.name] = problem;
  }
  return found;
}
