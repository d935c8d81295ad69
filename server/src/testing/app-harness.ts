// The app over the test run's shared services (vitest's `inject`); app-stack.ts builds it over any.
import { inject } from 'vitest';
import { createAppOver, type AppHarness, type AppOptions } from './app-stack';

export type { AppHarness } from './app-stack';

/** The real app over the test run's real services (see createAppOver for the options). */
export const createAppHarness = (options: AppOptions = {}): Promise<AppHarness> => createAppOver(inject('services'), options);
