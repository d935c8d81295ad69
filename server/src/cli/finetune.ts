// `astra finetune` and `astra quantize`: the fine-tune flow (examples/flows/fine-tune-and-serve.json)
// with the options filled in, imported as a flow of the caller's, run and followed live to the
// registered model; `astra models show` then shows its lineage.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { fineTuneJobSchema, modelNamePattern, quantTypes, type FlowGraph, type QuantType } from '@astra/workflows/flow';
import { modelAnswer } from '@astra/client/contracts';
import { resolveCliConfig, type CliConfig } from './config';
import { CliError } from './errors';
import { flowExportFile, flowWithVersion, runAnswer } from './flow-schemas';
import { api } from './api';
import { watchRun, withProblems } from './flows';

const out = (text: string) => process.stdout.write(`${text}\n`);
const template = new URL('../../../examples/flows/fine-tune-and-serve.json', import.meta.url);

export const finetuneUsage = 'usage: astra finetune --base <model> --data <file.jsonl> --name <new> [--steps N] [--lora-r R] [--quantize Q4_K_M|Q8_0] [--skip-invalid] [--json]';
export const quantizeUsage = 'usage: astra quantize <fine-tuned model> --type Q4_K_M|Q8_0 [--name <new>] [--json]';

const positiveInt = (flag: string, value: string | undefined, fallback: number) => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`--${flag} must be a whole number of at least 1 (got "${value}")`, 2);
  return n;
};
const quantType = (value: string | undefined): QuantType | undefined => {
  if (value === undefined) return undefined;
  const found = quantTypes.find((type) => type.toLowerCase() === value.toLowerCase());
  if (!found) throw new CliError(`--quantize/--type must be one of ${quantTypes.join(', ')} (got "${value}")`, 2);
  return found;
};
const checkName = (name: string | undefined) => {
  if (!name) throw new CliError('--name is required: the new model\'s name', 2);
  if (!modelNamePattern.test(name)) throw new CliError(`--name "${name}": use lower-case letters, digits, ".", "_" and "-", at most 63`, 2);
  return name;
};

/** Imports the graph as a flow of its own, runs it with these inputs and follows it; answers the exit code. */
async function runPipeline(config: CliConfig, flowName: string, description: string, graph: FlowGraph, inputs: Record<string, string>, json: boolean, model: string): Promise<number> {
  const { flow } = await api(config, flowWithVersion, 'POST', '/api/flows/import', { format: 'astra.flow', formatVersion: 1, name: flowName, description, graph }).catch(withProblems);
  const { run } = await api(config, runAnswer, 'POST', '/api/runs', { flowId: flow.id, inputs }).catch(withProblems);
  if (!json) process.stderr.write(`started run ${run.id} of "${flow.name}"\n`);
  const final = await watchRun(config, run.id, { quiet: json });
  if (json) {
    const registered = final.status === 'succeeded' ? await api(config, modelAnswer, 'GET', `/api/models/${encodeURIComponent(model)}`) : null;
    out(JSON.stringify({ run: final, model: registered }, null, 2));
    return final.status === 'succeeded' ? 0 : 1;
  }
  if (final.status !== 'succeeded') {
    const failed = final.nodes.filter((node) => node.state === 'failed');
    out(`run ${final.status}${failed.length ? `: ${failed.map((node) => `${node.nodeId}: ${node.error ?? ''}`).join('; ')}` : ''}`);
    return 1;
  }
  out(`registered ${model}; chat with it through the Generate node or any OpenAI/Ollama client, and see its lineage with: astra models show ${model}`);
  return 0;
}

export async function finetuneCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { base: { type: 'string' }, data: { type: 'string' }, name: { type: 'string' }, steps: { type: 'string' }, 'lora-r': { type: 'string' }, quantize: { type: 'string' }, 'skip-invalid': { type: 'boolean' }, json: { type: 'boolean' } },
  });
  if (!values.data || !values.base) throw new CliError(finetuneUsage, 2);
  const name = checkName(values.name);
  const steps = positiveInt('steps', values.steps, 150);
  const loraR = positiveInt('lora-r', values['lora-r'], 8);
  const quantize = quantType(values.quantize);
  const data = await readFile(values.data, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new CliError(`cannot read ${values.data}: ${error.code ?? error.message}`, 2);
  });
  const flow = flowExportFile.parse(JSON.parse(await readFile(template, 'utf8')));
  const params: Record<string, Record<string, unknown>> = {
    prepare: { baseModel: values.base, skipInvalid: Boolean(values['skip-invalid']) },
    tune: { steps, loraR, loraAlpha: 2 * loraR, checkpointEvery: Math.max(1, Math.min(25, Math.ceil(steps / 6))), evalEvery: Math.max(1, Math.min(25, Math.ceil(steps / 6))) },
    evaluate: { prompts: [] },
    export: { merge: Boolean(quantize) },
    quantize: { types: quantize ? [quantize] : [] },
    register: { format: quantize ?? 'lora' },
  };
  // Without --quantize the adapter is served on its base as is: no merge, no quantise.
  const dropped = quantize ? new Set<string>() : new Set(['quantize']);
  const nodes = flow.graph.nodes.filter((node) => !dropped.has(node.id)).map((node) => ({ ...node, params: { ...node.params, ...params[node.id] } }));
  const edges = flow.graph.edges.filter((edge) => !dropped.has(edge.source) && !dropped.has(edge.target));
  if (!quantize) edges.push({ id: 'export-register', source: 'export', sourcePort: 'job', target: 'register', targetPort: 'job' });
  const config = resolveCliConfig();
  return runPipeline(config, `Fine-tune ${name} (${new Date().toISOString()})`, `astra finetune --base ${values.base} --name ${name} --steps ${steps}${quantize ? ` --quantize ${quantize}` : ''}`, { nodes, edges }, { data, name }, Boolean(values.json), name);
}

export async function quantizeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { type: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean' } } });
  const source = positionals[0];
  const type = quantType(values.type);
  if (!source || !type) throw new CliError(quantizeUsage, 2);
  const name = checkName(values.name ?? `${source}-${type.toLowerCase().replace('_', '-')}`);
  const config = resolveCliConfig();
  const { model } = await api(config, modelAnswer, 'GET', `/api/models/${encodeURIComponent(source)}`);
  const lineage = z.object({ job: fineTuneJobSchema }).safeParse(model.fineTune?.lineage);
  const f16 = lineage.success ? lineage.data.job.files.find((file) => file.format === 'f16') : undefined;
  if (!lineage.success || !f16) {
    throw new CliError(`${source} has no F16 or F32 GGUF to quantise from (Astra never re-quantises a quantised file); fine-tune with \`astra finetune … --quantize ${type}\`, which merges to F16 first`, 2);
  }
  const graph: FlowGraph = {
    nodes: [
      { id: 'job', type: 'io.input', version: 1, params: { name: 'job', required: true }, position: { x: 0, y: 0 } },
      { id: 'quantize', type: 'training.quantize', version: 1, params: { types: [type] }, position: { x: 280, y: 0 } },
      { id: 'register', type: 'training.register-model', version: 1, params: { name, format: type }, position: { x: 560, y: 0 } },
      { id: 'model', type: 'io.output', version: 1, params: { name: 'model' }, position: { x: 840, y: 0 } },
    ],
    edges: [
      { id: 'job-quantize', source: 'job', sourcePort: 'value', target: 'quantize', targetPort: 'job' },
      { id: 'quantize-register', source: 'quantize', sourcePort: 'job', target: 'register', targetPort: 'job' },
      { id: 'register-model', source: 'register', sourcePort: 'model', target: 'model', targetPort: 'value' },
    ],
  };
  return runPipeline(config, `Quantise ${source} to ${type} (${new Date().toISOString()})`, `astra quantize ${source} --type ${type}`, graph, { job: JSON.stringify(lineage.data.job) }, Boolean(values.json), name);
}
