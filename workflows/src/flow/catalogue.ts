// The node catalogue as surfaces read it (GET /api/node-types, the editor's offline pages): each spec's
// ports as lists and its params as JSON Schema.
import { z } from 'zod';
import { nodeCategories } from './define-node';
import { portCompatibility, portTypes, type PortType } from './ports';
import { nodeCatalogue } from '../nodes/registry';

export function describeNodeTypes() {
  return {
    nodeTypes: nodeCatalogue.map((spec) => ({
      type: spec.type,
      version: spec.version,
      title: spec.title,
      category: spec.category,
      categoryLabel: nodeCategories[spec.category],
      description: spec.description,
      inputs: Object.entries(spec.inputs).map(([name, port]) => ({ name, type: port.type, label: port.label, required: port.required !== false, ...(port.description ? { description: port.description } : {}) })),
      outputs: Object.entries(spec.outputs).map(([name, port]) => ({ name, type: port.type, label: port.label, ...(port.description ? { description: port.description } : {}) })),
      params: z.toJSONSchema(spec.params, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
      runsOn: spec.run.kind === 'activity' ? ('worker' as const) : ('workflow' as const),
    })),
    portTypes: (Object.keys(portTypes) as PortType[]).map((type) => ({ type, ...portTypes[type], accepts: [...portCompatibility[type]] })),
  };
}
