// Entry of a document-loading thread: the loaders are TypeScript, so load them through tsx, which
// the worker process itself runs under.
import { tsImport } from 'tsx/esm/api';

await tsImport('./sandbox-thread.ts', import.meta.url);
