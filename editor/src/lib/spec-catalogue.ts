// The node catalogue built in the browser from the same specs the server serves at /api/node-types,
// for pages that run without a server (the canvas benchmark) and for the editor's unit tests.
import { describeNodeTypes } from '@astra/workflows/flow';
import { jsonSchema, portType, type NodeTypeInfo, type PortTypeInfo } from '../api/schemas';
import { makeCatalogue, type Catalogue } from '../store/editor-store';

export function catalogueFromSpecs(): Catalogue {
  const described = describeNodeTypes();
  const infos: NodeTypeInfo[] = described.nodeTypes.map((info) => ({
    ...info,
    inputs: info.inputs.map((port) => ({ ...port, type: portType.parse(port.type) })),
    outputs: info.outputs.map((port) => ({ ...port, type: portType.parse(port.type) })),
    params: jsonSchema.parse(info.params),
  }));
  const ports: PortTypeInfo[] = described.portTypes.map((port) => ({ ...port, type: portType.parse(port.type), accepts: port.accepts.map((type) => portType.parse(type)) }));
  return makeCatalogue(infos, ports);
}
