// Every node type Astra offers: each spec a `*.node.ts` file declares, collected by the generated index
// (`npm run generate:nodes`). The editor, validation, notebooks and runFlow pick them up from here.
import { nodeCategories, type AnyNodeSpec } from '../flow/define-node';
import { declaredNodeSpecs } from './index.generated';

export const nodeSpecs = declaredNodeSpecs satisfies Record<string, AnyNodeSpec>;

const categoryOrder = Object.keys(nodeCategories);

/** By category, in the order the palette shows them; the editor offers the latest version of each type. */
export const nodeCatalogue: readonly AnyNodeSpec[] = Object.values<AnyNodeSpec>(nodeSpecs)
  .sort((a, b) => categoryOrder.indexOf(a.category) - categoryOrder.indexOf(b.category));

const byKey = new Map(nodeCatalogue.map((spec) => [`${spec.type}@${spec.version}`, spec]));

/** The spec of one node type at one version, or undefined. */
export function findNodeSpec(type: string, version: number): AnyNodeSpec | undefined {
  return byKey.get(`${type}@${version}`);
}
