// Compile-time checks of the flow builder's types (run by `npm run typecheck`): a wrong param type or an
// unknown port must not type-check.
import { flow } from '../flow-builder';

const f = flow();
const question = f.node('question', 'io.input', { name: 'question' });
const retrieve = f.node('retrieve', 'rag.retrieve', { collection: 'docs', k: 3, mode: 'hybrid' });
f.connect(question, 'value', retrieve, 'query');
// @ts-expect-error k is a number
f.node('bad-k', 'rag.retrieve', { k: 'five' });
// @ts-expect-error mode is one of vector, keyword, hybrid
f.node('bad-mode', 'rag.retrieve', { mode: 'fuzzy' });
// @ts-expect-error an input node has no "answer" output
f.connect(question, 'answer', retrieve, 'query');
// @ts-expect-error "kk" is no param of rag.retrieve
f.node('bad-name', 'rag.retrieve', { kk: 3 });
// @ts-expect-error an input needs its name
f.node('no-name', 'io.input', {});
