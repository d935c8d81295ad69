// Extract Matches on a real worker (Temporal dev server, Postgres): a flow reads a verdict and the numbers
// out of a reply; a pattern RE2 does not run, or a group the pattern lacks, fails the run naming node and field.
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlowGraph } from '@astra/workflows/flow';
import { runFlowInput, startRunFlow, startTestWorker, type TestWorker } from '../../testing/test-worker';

let worker: TestWorker;

beforeAll(async () => {
  worker = await startTestWorker();
});

afterAll(async () => {
  await worker?.stop();
});

/** Input "reply" → Extract Matches (these params) → outputs "matches" and "first". */
function extractFlow(params: Record<string, unknown>): FlowGraph {
  const edge = (source: string, sourcePort: string, target: string, targetPort: string) => ({ id: `${source}-${sourcePort}-${target}`, source, sourcePort, target, targetPort });
  return {
    nodes: [
      { id: 'reply', type: 'io.input', version: 1, params: { name: 'reply' } },
      { id: 'extract', type: 'text.extract', version: 1, params },
      { id: 'matches', type: 'io.output', version: 1, params: { name: 'matches' } },
      { id: 'first', type: 'io.output', version: 1, params: { name: 'first' } },
    ],
    edges: [edge('reply', 'value', 'extract', 'text'), edge('extract', 'matches', 'matches', 'value'), edge('extract', 'first', 'first', 'value')],
  };
}

const reply = 'Verdict: YES. Scores were 12, 7 and 1040; verdict: no on the second.';

describe('Extract Matches', () => {
  it('gives every match of the pattern in order, and the first as text', async () => {
    const result = await (await startRunFlow(worker, runFlowInput(extractFlow({ pattern: '\\d+' }), { inputs: { reply } }))).result();
    expect(result.outputs).toEqual({ matches: { value: ['12', '7', '1040'] }, first: { value: '12' } });
  });

  it('gives a capture group, ignores case when asked, and stops at the limit', async () => {
    const params = { pattern: 'verdict: (\\w+)', group: 1, caseSensitive: false, limit: 1 };
    const result = await (await startRunFlow(worker, runFlowInput(extractFlow(params), { inputs: { reply } }))).result();
    expect(result.outputs).toEqual({ matches: { value: ['YES'] }, first: { value: 'YES' } });
  });

  it('gives an empty list and empty text when nothing matches', async () => {
    const result = await (await startRunFlow(worker, runFlowInput(extractFlow({ pattern: 'maybe' }), { inputs: { reply } }))).result();
    expect(result.outputs).toEqual({ matches: { value: [] }, first: { value: '' } });
  });

  it('fails the run naming the node and the field for a pattern RE2 does not run or a group it lacks', async () => {
    const lookahead = await (await startRunFlow(worker, runFlowInput(extractFlow({ pattern: 'yes(?=!)' }), { inputs: { reply } }))).result().catch((error: unknown) => error);
    expect(lookahead).toBeInstanceOf(WorkflowFailedError);
    expect((lookahead as WorkflowFailedError).cause?.message).toContain('Extract Matches "extract": params.pattern: not a regular expression Astra runs');
    const group = await (await startRunFlow(worker, runFlowInput(extractFlow({ pattern: '(\\d+)', group: 2 }), { inputs: { reply } }))).result().catch((error: unknown) => error);
    expect(group).toBeInstanceOf(WorkflowFailedError);
    expect((group as WorkflowFailedError).cause?.message).toContain('Extract Matches "extract": params.group: the pattern has 1 capture group, so there is no group 2');
  });
});
