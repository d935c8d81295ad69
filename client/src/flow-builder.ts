// Flows built in code, typed from the node registry: a node's params are checked against its spec's zod
// schema by the type checker (a wrong type names the param), and edges only join ports the specs declare.
import type { z } from 'zod';
import { flowGraph, nodeSpecs, type FlowGraph } from '@astra/workflows/flow';

type Specs = (typeof nodeSpecs)[keyof typeof nodeSpecs];
/** Every node type's spec, by its type name ("rag.retrieve"). */
export type SpecOf<T extends NodeType> = Extract<Specs, { type: T }>;
export type NodeType = Specs['type'];
/** What a node of type T accepts as params (defaults may be left out). */
export type ParamsOf<T extends NodeType> = z.input<SpecOf<T>['params']>;
export type OutputPortOf<T extends NodeType> = keyof SpecOf<T>['outputs'] & string;
export type InputPortOf<T extends NodeType> = keyof SpecOf<T>['inputs'] & string;

type RequiredKeys<P> = { [K in keyof P]-?: undefined extends P[K] ? never : K }[keyof P];
/** Where a param is wrong the expected type becomes this, so the type checker's message names the param. */
export interface ParamProblem<K, T extends string, Expected> {
  problem: `param "${K & string}" of ${T} has the wrong type`;
  expected: Expected;
}
/** Each param given, checked against the spec; unknown names and missing required params are errors too. */
export type CheckedParams<T extends NodeType, A> = {
  [K in keyof A]: K extends keyof ParamsOf<T> ? (A[K] extends ParamsOf<T>[K] ? A[K] : ParamProblem<K, T, ParamsOf<T>[K]>) : { problem: `"${K & string}" is not a param of ${T}` };
} & { [K in Exclude<RequiredKeys<ParamsOf<T>>, keyof A>]: ParamsOf<T>[K] };

/** A node added to a builder, carrying its type so edges can be checked. */
export interface NodeRef<T extends NodeType> {
  readonly id: string;
  readonly type: T;
}

export class FlowBuilder {
  private readonly nodes: FlowGraph['nodes'] = [];
  private readonly edges: FlowGraph['edges'] = [];

  /** Adds a node at the latest version of its type; params are typed by the spec. */
  node<T extends NodeType, const A extends Record<string, unknown>>(id: string, type: T, params: A & CheckedParams<T, A>, options: { label?: string } = {}): NodeRef<T> {
    const spec = Object.values(nodeSpecs).find((candidate) => candidate.type === type);
    if (!spec) throw new Error(`unknown node type "${type}"`);
    if (this.nodes.some((node) => node.id === id)) throw new Error(`node id "${id}" is used twice`);
    this.nodes.push({ id, type, version: spec.version, params: { ...params }, position: { x: 0, y: 0 }, ...(options.label ? { label: options.label } : {}) });
    return { id, type };
  }

  /** Joins an output port of one node to an input port of another. */
  connect<A extends NodeType, B extends NodeType>(from: NodeRef<A>, fromPort: OutputPortOf<A>, to: NodeRef<B>, toPort: InputPortOf<B>): this {
    this.edges.push({ id: `${from.id}.${fromPort}->${to.id}.${toPort}`, source: from.id, sourcePort: fromPort, target: to.id, targetPort: toPort });
    return this;
  }

  /** The graph, laid out left to right by depth so the editor shows it readably. */
  graph(): FlowGraph {
    const depth = new Map<string, number>();
    const depthOf = (id: string, seen: Set<string>): number => {
      const known = depth.get(id);
      if (known !== undefined) return known;
      if (seen.has(id)) return 0;
      seen.add(id);
      const parents = this.edges.filter((edge) => edge.target === id).map((edge) => depthOf(edge.source, seen) + 1);
      const value = Math.max(0, ...parents);
      depth.set(id, value);
      return value;
    };
    const rows = new Map<number, number>();
    const nodes = this.nodes.map((node) => {
      const column = depthOf(node.id, new Set());
      const row = rows.get(column) ?? 0;
      rows.set(column, row + 1);
      return { ...node, position: { x: column * 260, y: row * 140 } };
    });
    return flowGraph.parse({ nodes, edges: this.edges });
  }
}

/** Starts a flow in code: `const f = flow(); const q = f.node('question', 'io.input', { name: 'question' }); …` */
export function flow(): FlowBuilder {
  return new FlowBuilder();
}
