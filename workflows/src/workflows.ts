// The workflow bundle's entry: every workflow the worker registers is exported here.
export { selfCheck } from './self-check.workflow';
export { chatTurn } from './chat-turn.workflow';
export { ingestCorpus } from './ingest-corpus.workflow';
export { rebuildCollection } from './rebuild-collection.workflow';
export { answerQuestion } from './answer-question.workflow';
export { runFlow } from './run-flow.workflow';
