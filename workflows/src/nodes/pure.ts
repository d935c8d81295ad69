// The pure nodes' evaluation: plain functions of params and inputs, no I/O, no clock, no randomness.
// runFlow evaluates them inside the workflow (deterministic, so replay gets the same outputs); the
// same functions are the node activities that run them on the worker when a value arrives by
// reference or an output is too big to travel inline. Importable in the workflow sandbox.
import type { z } from 'zod';
import type { AnyNodeSpec } from '../flow/define-node';
import { asText, fillTemplate } from './coerce';
import { conditionNode } from './control/condition.node.ts';
import { mergeNode } from './control/merge.node.ts';
import { promptTemplateNode } from './models/prompt-template.node.ts';
import { textTemplateNode } from './text/template.node.ts';
import { noopNode } from './util/noop.node.ts';
import { UserPatternError, userPatternMatches } from './user-regex';

/** A param that is well-formed but wrong for this run (a model that does not exist, a length that is no number). */
export class NodeParamError extends Error {
  override name = 'NodeParamError';
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

/** What a pure node makes of its params and its inputs (absent when nothing arrived on a port). */
export type PureEvaluator<S extends AnyNodeSpec> = (params: z.infer<S['params']>, inputs: { [K in keyof S['inputs'] & string]?: unknown }) => Partial<Record<keyof S['outputs'] & string, unknown>>;

const passThrough: PureEvaluator<typeof noopNode> = (_params, inputs) => ({ value: inputs.value ?? null });

const textTemplate: PureEvaluator<typeof textTemplateNode> = (params, inputs) => ({
  text: fillTemplate(params.template, { input: inputs.input, context: inputs.context }),
});

const promptTemplate: PureEvaluator<typeof promptTemplateNode> = (params, inputs) => ({
  messages: [
    ...(params.system ? [{ role: 'system' as const, content: params.system }] : []),
    { role: 'user' as const, content: fillTemplate(params.template, { input: inputs.input, context: inputs.context }) },
  ],
});

const condition: PureEvaluator<typeof conditionNode> = (params, inputs) => {
  const fold = (text: string) => (params.caseSensitive ? text : text.toLowerCase());
  const text = fold(asText(inputs.value));
  let holds: boolean;
  switch (params.operator) {
    case 'contains': holds = text.includes(fold(params.value)); break;
    case 'equals': holds = text.trim() === fold(params.value).trim(); break;
    case 'not-empty': holds = text.trim().length > 0; break;
    case 'longer-than': {
      const length = Number(params.value);
      if (!Number.isFinite(length)) throw new NodeParamError('value', `"${params.value}" is not a number of characters`);
      holds = text.length > length;
      break;
    }
    case 'matches': {
      // RE2, not RegExp: a user's pattern must not be able to backtrack for minutes.
      try {
        holds = userPatternMatches(params.value, asText(inputs.value), params.caseSensitive);
      } catch (error) {
        if (error instanceof UserPatternError) throw new NodeParamError('value', error.message);
        throw error;
      }
      break;
    }
  }
  return holds ? { true: inputs.value } : { false: inputs.value };
};

const merge: PureEvaluator<typeof mergeNode> = (params, inputs) => {
  const arrived = (['a', 'b'] as const).filter((port) => port in inputs).map((port) => inputs[port]);
  return { value: params.mode === 'list' ? arrived : arrived[0] };
};

/** The evaluators by node type (every version of a type shares its params and ports). */
export const pureEvaluators = {
  'util.pass-through': passThrough,
  'text.template': textTemplate,
  'models.prompt-template': promptTemplate,
  'control.condition': condition,
  'control.merge': merge,
} as const;

/** The evaluator of a node type, loosely typed for the interpreter (params already parsed by the spec). */
export function pureEvaluatorFor(type: string): ((params: unknown, inputs: Record<string, unknown>) => Record<string, unknown>) | undefined {
  return (pureEvaluators as Record<string, ((params: never, inputs: Record<string, unknown>) => Record<string, unknown>) | undefined>)[type] as ((params: unknown, inputs: Record<string, unknown>) => Record<string, unknown>) | undefined;
}
