// A person's regular expression runs on RE2's linear-time engine (re2js, pure JavaScript): no
// pattern can make matching exponential, so a Condition node never stalls the worker.
import { RE2JS } from 're2js';

/** Beyond this an RE2 program costs more to build than any sensible condition needs. */
export const maxProgramSize = 20_000;

export class UserPatternError extends Error {
  override name = 'UserPatternError';
}

/** Compiles `pattern` with RE2 syntax (no backreferences or lookahead); the error says what is wrong. */
export function compileUserPattern(pattern: string, caseSensitive: boolean): RE2JS {
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern, caseSensitive ? 0 : RE2JS.CASE_INSENSITIVE);
  } catch (error) {
    throw new UserPatternError(`not a regular expression Astra runs (RE2 syntax: no backreferences or lookahead): ${(error as Error).message}`);
  }
  if (compiled.programSize() > maxProgramSize) {
    throw new UserPatternError(`the regular expression is too large (program size ${compiled.programSize()}, at most ${maxProgramSize})`);
  }
  return compiled;
}

/** Whether `pattern` matches anywhere in `text`, in time linear in the text. */
export function userPatternMatches(pattern: string, text: string, caseSensitive: boolean): boolean {
  return compileUserPattern(pattern, caseSensitive).test(text);
}
