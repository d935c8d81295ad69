import { createSelfCheckActivities, type SelfCheckDeps } from './self-check.activities';

export type { SelfCheckRecord } from './self-check.activities';
export { chromaClientFor } from './chroma';

export type ActivityDeps = SelfCheckDeps;

/** Every activity the worker registers, built over its dependencies so tests can pass real services. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createSelfCheckActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
