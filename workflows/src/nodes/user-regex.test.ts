// The Condition node's "matches" operator on patterns that make a backtracking engine run for
// ever: with RE2 they answer at once (the test's own timeout is the only clock), and correctly.
import { describe, expect, it } from 'vitest';
import { compileUserPattern, maxProgramSize, userPatternMatches, UserPatternError } from './user-regex';

describe('user regular expressions', () => {
  it('answers catastrophic-backtracking patterns on long inputs, with the right result', () => {
    // Each of these takes a backtracking engine 2^n steps on n characters; n = 100,000 here.
    const almost = `${'a'.repeat(100_000)}!`;
    expect(userPatternMatches('^(a+)+$', almost, true)).toBe(false);
    expect(userPatternMatches('^(a|a)*$', almost, true)).toBe(false);
    expect(userPatternMatches('^(a|aa)+$', almost, true)).toBe(false);
    expect(userPatternMatches('(.*a){20}$', `${'a'.repeat(50_000)}b`, true)).toBe(false);
    expect(userPatternMatches('^(a+)+$', 'a'.repeat(100_000), true)).toBe(true);
  });

  it('keeps the behaviour people rely on: unanchored search, case folding, character classes', () => {
    expect(userPatternMatches('urgent|asap', 'Please reply ASAP', false)).toBe(true);
    expect(userPatternMatches('urgent|asap', 'Please reply ASAP', true)).toBe(false);
    expect(userPatternMatches('^\\d{4}-\\d{2}-\\d{2}$', '2026-12-01', true)).toBe(true);
    expect(userPatternMatches('\\bcat\\b', 'concatenate', true)).toBe(false);
  });

  it('refuses what RE2 cannot run in linear time, saying so, and patterns too large to build', () => {
    expect(() => compileUserPattern('(a)\\1', true)).toThrow(UserPatternError);
    expect(() => compileUserPattern('(a)\\1', true)).toThrow(/RE2 syntax: no backreferences or lookahead/);
    expect(() => compileUserPattern('a(?=b)', true)).toThrow(UserPatternError);
    expect(() => compileUserPattern('(', true)).toThrow(/not a regular expression/);
    expect(() => compileUserPattern('((a{100}){100}){100}', true)).toThrow(UserPatternError);
    expect(() => compileUserPattern(`(${'x'.repeat(maxProgramSize)})`, true)).toThrow(/too large \(program size \d+, at most 20000\)/);
  });
});
