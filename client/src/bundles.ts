// The MIME bundles Astra outputs carry: a custom type that Astra's JupyterLab renderers draw (live), and
// text/html plus text/plain so nbviewer, other frontends and plain text readers still show something useful.
import type { FlowGraph, Run } from './schemas';
import type { QueryResult } from './contracts';

export const runMime = 'application/vnd.astra.run+json';
export const flowMime = 'application/vnd.astra.flow+json';
export const resultsMime = 'application/vnd.astra.results+json';

export type MimeBundle = Record<string, unknown>;

const escape = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function runBundle(run: Run, tokens = ''): MimeBundle {
  const rows = run.nodes.map((node) => `<tr><td>${escape(node.label ?? node.nodeId)}</td><td>${escape(node.state)}</td><td>${node.durationMs ?? ''}</td></tr>`).join('');
  const answer = outputText(run);
  return {
    [runMime]: { run, tokens },
    'text/html': `<div class="astra-run"><p><b>${escape(run.flowName)}</b> run ${escape(run.id)}: ${escape(run.status)}</p><table><tr><th>node</th><th>state</th><th>ms</th></tr>${rows}</table>${answer ? `<pre>${escape(answer)}</pre>` : ''}</div>`,
    'text/plain': `${run.flowName} run ${run.id}: ${run.status}\n${run.nodes.map((node) => `  ${node.nodeId}: ${node.state}`).join('\n')}${answer ? `\n${answer}` : ''}`,
  };
}

export function flowBundle(flow: { id?: string; name: string; graph: FlowGraph }): MimeBundle {
  return {
    [flowMime]: flow,
    'text/html': `<div class="astra-flow"><p><b>${escape(flow.name)}</b>: ${flow.graph.nodes.length} nodes, ${flow.graph.edges.length} edges</p><ul>${flow.graph.nodes.map((node) => `<li>${escape(node.id)} (${escape(node.type)})</li>`).join('')}</ul></div>`,
    'text/plain': `${flow.name}: ${flow.graph.nodes.map((node) => `${node.id} (${node.type})`).join(', ')}`,
  };
}

export function resultsBundle(query: string, results: QueryResult[]): MimeBundle {
  return {
    [resultsMime]: { query, results },
    'text/html': `<ol class="astra-results">${results.map((result) => `<li><b>${escape(result.title ?? result.source)}</b> (${result.score.toFixed(3)})<br>${escape(result.text.slice(0, 300))}</li>`).join('')}</ol>`,
    'text/plain': results.map((result, i) => `${i + 1}. ${result.source} (${result.score.toFixed(3)}) ${result.text.slice(0, 120).replace(/\s+/g, ' ')}`).join('\n'),
  };
}

/** A run's outputs as text: an answer with its numbered sources, or each output as JSON. */
export function outputText(run: Run): string {
  return Object.entries(run.outputs)
    .map(([name, value]) => {
      if (typeof value === 'string') return `${name}: ${value}`;
      if (value && typeof value === 'object' && 'answer' in value && typeof value.answer === 'string') return `${name}: ${value.answer}`;
      return `${name}: ${JSON.stringify(value)}`;
    })
    .join('\n');
}
