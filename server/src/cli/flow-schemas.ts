// What the flows and runs API answers, parsed with zod so the CLI never trusts a cast: the one client's
// schemas (@astra/client/schemas, themselves the contracts of @astra/workflows/flow). The CLI adds only
// its reading of the run-event stream, whose snapshot arrives under its own SSE event name.
import { z } from 'zod';
import { run, runEvent as runEventMessage } from '@astra/client/schemas';

export {
  answerValue as answerOutput, flowExportFile, flowList, flowWithVersion, problemsAnswer, runAnswer, runList, validation, versionAnswer,
  type FlowExportFile, type FlowProblem, type FlowSummary, type NodeState, type Run, type RunNode, type RunStatus,
} from '@astra/client/schemas';

/** One live event of `GET /api/runs/{id}/events`; the SSE event name is its type. */
export const runEvent = z.union([z.object({ type: z.literal('snapshot'), run }), runEventMessage]);
export type RunEvent = z.infer<typeof runEvent>;
