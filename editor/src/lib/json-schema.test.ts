import { describe, expect, it } from 'vitest';
import { nodeCatalogue } from '@astra/workflows/flow';
import { defaultParams, formFields, paramsProblems, valueProblem } from './json-schema';
import { catalogueFromSpecs } from './spec-catalogue';

const catalogue = catalogueFromSpecs();
const schemaOf = (type: string) => catalogue.latest.get(type)!.params;

describe('forms from node params JSON Schema', () => {
  it('gives each param the control its schema calls for', () => {
    const fields = formFields(schemaOf('rag.retrieve'));
    expect(fields.map((field) => [field.name, field.kind, field.required])).toEqual([
      ['collection', 'text', false],
      ['k', 'integer', false],
      ['mode', 'choice', false],
      ['minScore', 'number', false],
      ['mmrLambda', 'number', false],
    ]);
    expect(fields.find((field) => field.name === 'mode')?.choices).toEqual(['vector', 'keyword', 'hybrid']);
    expect(formFields(schemaOf('models.generate')).find((field) => field.name === 'stop')?.kind).toBe('text-list');
    expect(formFields(schemaOf('models.prompt-template')).find((field) => field.name === 'template')?.kind).toBe('long-text');
    expect(formFields(schemaOf('rag.store'))).toMatchObject([{ name: 'collection', required: true, hasDefault: false, label: 'Collection' }]);
  });

  it('checks values as the server will, naming what is wrong', () => {
    const retrieve = schemaOf('rag.retrieve').properties!;
    expect(valueProblem(retrieve.collection!, '')).toBeNull();
    expect(valueProblem(retrieve.collection!, 'docs-2024')).toBeNull();
    expect(valueProblem(retrieve.collection!, 'bad name!')).toMatch(/^must match /);
    expect(valueProblem(retrieve.k!, 0)).toBe('must be at least 1');
    expect(valueProblem(retrieve.k!, 51)).toBe('must be at most 50');
    expect(valueProblem(retrieve.k!, 2.5)).toBe('must be a whole number');
    expect(valueProblem(retrieve.mode!, 'fuzzy')).toBe('must be one of vector, keyword, hybrid');
    expect(valueProblem(schemaOf('models.generate').properties!.stop!, ['ok', ''])).toBe('item 2 must not be empty');
    expect(paramsProblems(schemaOf('rag.store'), {})).toEqual({ collection: 'is required' });
    expect(paramsProblems(schemaOf('rag.store'), { collection: 'notes' })).toEqual({});
  });

  it('fills a new node with defaults the server accepts', () => {
    expect(defaultParams(schemaOf('rag.retrieve'))).toEqual({ collection: '', k: 5, mode: 'hybrid' });
    for (const spec of nodeCatalogue) {
      const schema = schemaOf(spec.type);
      const params = defaultParams(schema);
      const missing = (schema.required ?? []).filter((name) => !(name in params));
      // Every node type but those with a param the person must choose is valid as dropped.
      expect(spec.params.safeParse(params).success, spec.type).toBe(missing.length === 0);
    }
  });
});
