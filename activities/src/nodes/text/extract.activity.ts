// Extract Matches: every match of a person's RE2 pattern in the text, so a flow can read a verdict, an id
// or a number out of a model's free-form reply. RE2 (linear time), never RegExp: no pattern can stall the worker.
import { nodeSpecs } from '@astra/workflows/flow';
import { asText } from '@astra/workflows/nodes/coerce';
import { compileUserPattern, UserPatternError } from '@astra/workflows/nodes/user-regex';
import { NodeParamError, nodeActivity } from '../node-activity';
import type { NodeServices } from '../node-services';

export const nodeActivities = ({ store }: NodeServices) => nodeActivity(nodeSpecs.extractNode, store, async ({ params, inputs }) => {
  let pattern;
  try {
    pattern = compileUserPattern(params.pattern, params.caseSensitive);
  } catch (error) {
    if (error instanceof UserPatternError) throw new NodeParamError('pattern', error.message);
    throw error;
  }
  if (params.group > pattern.groupCount()) {
    throw new NodeParamError('group', `the pattern has ${pattern.groupCount()} capture group${pattern.groupCount() === 1 ? '' : 's'}, so there is no group ${params.group}`);
  }
  const matcher = pattern.matcher(asText(inputs.text));
  const matches: string[] = [];
  while (matches.length < params.limit && matcher.find()) matches.push(matcher.group(params.group) ?? '');
  return { matches, first: matches[0] ?? '' };
});
