// Every node type Astra offers. Adding a capability means adding its spec here and its activity in
// activities/src/nodes; the editor, validation, notebooks and runFlow pick it up from this list.
// `.node.ts` names need their extension spelled out: without it, Node takes `.node` for a native addon.
import type { AnyNodeSpec } from '../flow/define-node';
import { answerNode } from './rag/answer.node.ts';
import { chatInputNode } from './io/chat-input.node.ts';
import { chatOutputNode } from './io/chat-output.node.ts';
import { chunkNode } from './rag/chunk.node.ts';
import { conditionNode, conditionNodeV2 } from './control/condition.node.ts';
import { embedNode } from './rag/embed.node.ts';
import { datasetFromCollectionNode } from './training/dataset-from-collection.node.ts';
import { evaluateNode } from './training/evaluate.node.ts';
import { exportGgufNode } from './training/export-gguf.node.ts';
import { fineTuneNode } from './training/finetune.node.ts';
import { generateNode } from './models/generate.node.ts';
import { inputNode } from './io/input.node.ts';
import { loadFilesNode } from './sources/load-files.node.ts';
import { loadUrlNode } from './sources/load-url.node.ts';
import { mapNode } from './control/map.node.ts';
import { mergeNode, mergeNodeV2 } from './control/merge.node.ts';
import { noopNode, noopNodeV2 } from './util/noop.node.ts';
import { outputNode } from './io/output.node.ts';
import { promptTemplateNode, promptTemplateNodeV2 } from './models/prompt-template.node.ts';
import { prepareDatasetNode } from './training/prepare-dataset.node.ts';
import { quantizeNode } from './training/quantize.node.ts';
import { registerModelNode } from './training/register-model.node.ts';
import { retrieveNode } from './rag/retrieve.node.ts';
import { storeNode } from './rag/store.node.ts';
import { textTemplateNode, textTemplateNodeV2 } from './text/template.node.ts';
import { waitNode } from './util/wait.node.ts';

export const nodeSpecs = {
  inputNode, outputNode, chatInputNode, chatOutputNode,
  loadFilesNode, loadUrlNode,
  chunkNode, embedNode, storeNode, retrieveNode, answerNode,
  promptTemplateNode, generateNode,
  datasetFromCollectionNode, prepareDatasetNode, fineTuneNode, evaluateNode, exportGgufNode, quantizeNode, registerModelNode,
  textTemplateNode,
  conditionNode, mapNode, mergeNode,
  noopNode, waitNode,
  // Pure versions, evaluated inside the workflow; the editor offers the latest version of each type.
  promptTemplateNodeV2, textTemplateNodeV2, conditionNodeV2, mergeNodeV2, noopNodeV2,
} satisfies Record<string, AnyNodeSpec>;

export const nodeCatalogue: readonly AnyNodeSpec[] = Object.values(nodeSpecs);

const byKey = new Map(nodeCatalogue.map((spec) => [`${spec.type}@${spec.version}`, spec]));

/** The spec of one node type at one version, or undefined. */
export function findNodeSpec(type: string, version: number): AnyNodeSpec | undefined {
  return byKey.get(`${type}@${version}`);
}

