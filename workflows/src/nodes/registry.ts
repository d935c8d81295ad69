// Every node type Astra offers. Adding a capability means adding its spec here and its activity in
// activities/src/nodes; the editor, validation, notebooks and runFlow pick it up from this list.
import type { AnyNodeSpec } from '../flow/define-node';
import { answerNode } from './rag/answer.node';
import { chatInputNode } from './io/chat-input.node';
import { chatOutputNode } from './io/chat-output.node';
import { chunkNode } from './rag/chunk.node';
import { conditionNode } from './control/condition.node';
import { embedNode } from './rag/embed.node';
import { generateNode } from './models/generate.node';
import { inputNode } from './io/input.node';
import { loadFilesNode } from './sources/load-files.node';
import { loadUrlNode } from './sources/load-url.node';
import { mapNode } from './control/map.node';
import { mergeNode } from './control/merge.node';
import { noopNode } from './util/noop.node';
import { outputNode } from './io/output.node';
import { promptTemplateNode } from './models/prompt-template.node';
import { retrieveNode } from './rag/retrieve.node';
import { storeNode } from './rag/store.node';
import { textTemplateNode } from './text/template.node';
import { waitNode } from './util/wait.node';

export const nodeSpecs = {
  inputNode, outputNode, chatInputNode, chatOutputNode,
  loadFilesNode, loadUrlNode,
  chunkNode, embedNode, storeNode, retrieveNode, answerNode,
  promptTemplateNode, generateNode,
  textTemplateNode,
  conditionNode, mapNode, mergeNode,
  noopNode, waitNode,
} satisfies Record<string, AnyNodeSpec>;

export const nodeCatalogue: readonly AnyNodeSpec[] = Object.values(nodeSpecs);

const byKey = new Map(nodeCatalogue.map((spec) => [`${spec.type}@${spec.version}`, spec]));

/** The spec of one node type at one version, or undefined. */
export function findNodeSpec(type: string, version: number): AnyNodeSpec | undefined {
  return byKey.get(`${type}@${version}`);
}

