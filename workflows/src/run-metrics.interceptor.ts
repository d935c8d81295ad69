// Reports how each workflow run ended, and how long it took, to the worker's metrics through a sink.
// Sinks run outside the sandbox, add nothing to history and are not called on replay, so this never
// changes what a workflow does; it is registered as a workflow interceptor module by the worker.
import { ContinueAsNew, isCancellation, proxySinks, workflowInfo, type Next, type Sinks, type WorkflowExecuteInput, type WorkflowInboundCallsInterceptor, type WorkflowInterceptorsFactory } from '@temporalio/workflow';

export type RunOutcome = 'completed' | 'failed' | 'cancelled' | 'continued_as_new';

export interface RunMetricsSinks extends Sinks {
  runMetrics: { runFinished(outcome: RunOutcome, seconds: number): void };
}

const { runMetrics } = proxySinks<RunMetricsSinks>();

function outcomeOf(error: unknown): RunOutcome {
  if (error instanceof ContinueAsNew) return 'continued_as_new';
  return isCancellation(error) ? 'cancelled' : 'failed';
}

class RunMetricsInbound implements WorkflowInboundCallsInterceptor {
  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    // Workflow time (Date.now() is the time of the current task), so the figure is the run's own.
    const seconds = () => Math.max(0, (Date.now() - workflowInfo().runStartTime.getTime()) / 1000);
    try {
      const result = await next(input);
      runMetrics.runFinished('completed', seconds());
      return result;
    } catch (error) {
      runMetrics.runFinished(outcomeOf(error), seconds());
      throw error;
    }
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => ({ inbound: [new RunMetricsInbound()] });
