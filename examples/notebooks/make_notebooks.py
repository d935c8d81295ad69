"""Writes the example notebooks from the cells below (run it after editing them): python3 make_notebooks.py"""

import json
from pathlib import Path

HERE = Path(__file__).parent
SETUP = "import { connect, flow, runBundle } from '@astra/client/notebook';\nimport * as path from 'node:path';\nconst astra = connect();"

NOTEBOOKS = {
    "build-a-flow-in-code": [
        SETUP,
        "// A flow in code: params and ports are typed from the node registry.\nconst f = flow();\nconst question = f.node('question', 'io.input', { name: 'question', label: 'Question' });\nconst shout = f.node('shout', 'text.template', { template: 'You asked: {{input}}' });\nconst result = f.node('result', 'io.output', { name: 'result' });\nf.connect(question, 'value', shout, 'input').connect(shout, 'text', result, 'value');\nconst graph = f.graph();\nconst checked = await astra.validate(graph);\nif (!checked.valid) throw new Error(checked.problems.map((p) => p.message).join('; '));\nconsole.log(`valid: ${graph.nodes.length} nodes, ${graph.edges.length} edges`);",
        "const saved = await astra.save('Notebook: echo', graph, 'built in build-a-flow-in-code.ipynb');\nastra.showFlow({ id: saved.flow.id, name: saved.flow.name, graph: saved.version.graph });\nconsole.log(`saved version ${saved.version.number}`);",
        "const run = await astra.run('Notebook: echo', { question: 'what is WAL?' });\nif (run.status !== 'succeeded') throw new Error(`run ended ${run.status}: ${run.error}`);\nif (run.outputs.result !== 'You asked: what is WAL?') throw new Error(`unexpected output ${JSON.stringify(run.outputs)}`);\nconsole.log(`output: ${run.outputs.result}`);",
        "// A chat flow in code, published as a chat app (once: a second run of the notebook reuses it).\nconst c = flow();\nconst said = c.node('chat', 'io.chat-input', {});\nconst reply = c.node('generate', 'models.generate', { model: 'smollm2-135m-instruct', maxTokens: 24, temperature: 0 });\nconst answer = c.node('reply', 'io.chat-output', {});\nc.connect(said, 'messages', reply, 'prompt').connect(reply, 'text', answer, 'message');\nawait astra.save('Notebook: chat', c.graph(), 'built in build-a-flow-in-code.ipynb');\nconst { apps } = await astra.client.apps();\nconst app = apps.find((known) => known.slug === 'notebook-chat') ?? (await astra.publish('Notebook: chat', { slug: 'notebook-chat', title: 'Notebook chat' }));\nconsole.log(`chat app ${app.slug}: ${app.flowName} v${app.version}`);",
        "// Two turns of one conversation; each answer streams into the cell as the model writes it.\nconst first = await astra.chat(app.slug, 'Name a colour.');\nconst second = await astra.chat(app.slug, 'Name another one.', { conversation: first.conversation });\nif (!first.message.content.trim() || !second.message.content.trim()) throw new Error('an empty answer');\nconst { conversation } = await astra.client.conversation(first.conversation);\nif (conversation.messages?.length !== 4) throw new Error(`expected 4 messages, got ${conversation.messages?.length}`);\nconsole.log(`chat: ${conversation.messages.length} messages in conversation ${conversation.id}`);",
    ],
    "rag-quickstart": [
        SETUP,
        "// Ingest a few SQLite pages into the collection the example RAG flow reads (\"docs\").\nconst corpus = path.resolve('../corpora/sqlite-docs');\nconst ingested = await astra.ingest({ collection: 'docs', path: corpus, glob: '{inmemorydb,autoinc,gencol,stricttables}.html' });\nif (ingested.status !== 'completed') throw new Error(`ingest ended ${ingested.status}: ${ingested.error}`);\nconsole.log(`ingested ${ingested.processed} documents, ${ingested.chunks} chunks`);",
        "const results = await astra.query({ collection: 'docs', query: 'How do I create a database that lives entirely in RAM?', k: 3 });\nif (!results.some((r) => r.source.endsWith('inmemorydb.html'))) throw new Error('inmemorydb.html is not among the results');\nconsole.log(`top source: ${path.basename(results[0]!.source)}`);",
        "const answer = await astra.ask({ collection: 'docs', question: 'What does the AUTOINCREMENT keyword cost?', k: 3 });\nif (!answer.answer.trim() || answer.citations.length === 0) throw new Error('no answer or no citations');\nconsole.log(`citations: ${answer.citations.length}`);",
        "const run = await astra.run('RAG: answer a question', { question: 'How do I open an in-memory database?' });\nif (run.status !== 'succeeded') throw new Error(`run ended ${run.status}: ${run.error}`);\nconsole.log(`run ${run.status} with ${run.nodes.length} nodes`);",
    ],
    "retrieval-evaluation": [
        SETUP,
        "// hit@k per mode on the questions whose pages rag-quickstart ingested into \"docs\".\nimport { readFileSync } from 'node:fs';\nconst questions: Array<{ question: string; expected: string[] }> = JSON.parse(readFileSync('../corpora/sqlite-questions.json', 'utf8')).questions\n  .filter((q: { expected: string[] }) => q.expected.some((e) => ['inmemorydb.html', 'autoinc.html', 'gencol.html', 'stricttables.html'].includes(e)));\nconst modes = ['vector', 'keyword', 'hybrid'] as const;\nconst hits: Record<string, number> = {};\nfor (const mode of modes) {\n  let hit = 0;\n  for (const q of questions) {\n    const results = await astra.query({ collection: 'docs', query: q.question, k: 3, mode }, { display: false });\n    if (results.some((r) => q.expected.includes(path.basename(r.source)))) hit++;\n  }\n  hits[mode] = hit / questions.length;\n}\nif (questions.length === 0) throw new Error('no questions for the ingested pages');\nconsole.log(`hit@3 over ${questions.length} questions: ${JSON.stringify(hits)}`);",
        "// The chart: one bar per mode.\nimport * as tslab from 'tslab';\nconst bars = modes.map((mode, i) => `<rect x=\"${20 + i * 90}\" y=\"${170 - 150 * hits[mode]!}\" width=\"60\" height=\"${150 * hits[mode]!}\" fill=\"#4a7\"/><text x=\"${20 + i * 90}\" y=\"190\">${mode} ${hits[mode]!.toFixed(2)}</text>`).join('');\ntslab.display.svg(`<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"300\" height=\"200\">${bars}</svg>`);",
    ],
    "fine-tune-loss-curve": [
        SETUP,
        "// A small LoRA fine-tune on the made-up Veltrana facts, started from code. FINETUNE_STEPS keeps it short here;\n// about 150 steps learn the domain's form and 400 its facts (examples/flows/fine-tune-and-serve.json goes on to serve it).\nimport { readFileSync } from 'node:fs';\nconst steps = Number(process.env.FINETUNE_STEPS ?? 60);\nconst t = flow();\nconst data = t.node('data', 'io.input', { name: 'data' });\nconst prepare = t.node('prepare', 'training.prepare-dataset', { validationFraction: 0.25 });\nconst tune = t.node('tune', 'training.finetune', { steps, batchSize: 2, evalEvery: Math.max(1, Math.ceil(steps / 4)), checkpointEvery: Math.max(1, Math.ceil(steps / 2)) });\nconst job = t.node('job', 'io.output', { name: 'job' });\nt.connect(data, 'value', prepare, 'data').connect(prepare, 'job', tune, 'job').connect(tune, 'job', job, 'value');\nconst saved = await astra.save('Notebook: fine-tune', t.graph(), 'built in fine-tune-loss-curve.ipynb');\nconst examples = readFileSync('../datasets/veltrana.jsonl', 'utf8').split('\\n').slice(0, 24).join('\\n');\nconst { run } = await astra.client.startRun({ flowId: saved.flow.id, inputs: { data: examples } });\nconsole.log(`started run ${run.id}: ${steps} steps`);",
        "// The loss curve, redrawn in this cell at every step until the run ends (an SVG: image/svg+xml).\nconst [curve] = await astra.plotLoss(run.id);\nconst { run: finished } = await astra.client.getRun(run.id);\nif (finished.status !== 'succeeded') throw new Error(`run ended ${finished.status}: ${finished.error}`);\nif (!curve || curve.train.length !== steps || curve.val.length < 2) throw new Error(`an incomplete curve: ${JSON.stringify(curve)}`);\nconsole.log(`loss curve: ${curve.train.length} train points, ${curve.val.length} validation points, validation loss ${curve.val[0]!.loss.toFixed(3)} -> ${curve.val.at(-1)!.loss.toFixed(3)}`);",
        "// The same series as data, for a chart of your own: step, train loss, validation loss.\nconst series = await astra.client.lossSeries(run.id);\nconsole.table(series[0]!.val.map((point) => ({ step: point.step, validation: Number(point.loss.toFixed(4)) })));",
    ],
    "scheduled-ingestion": [
        SETUP,
        "// Ingest the SQLite pages every hour (a Temporal schedule); list it, then remove it.\nconst source = path.resolve('../corpora/sqlite-docs');\nconst { schedule } = await astra.client.createSchedule({ name: 'nb-sqlite-hourly', collection: 'nb-scheduled', path: source, glob: 'wal.html', every: '1h', paused: true });\nconsole.log(`schedule ${schedule.name}: every ${schedule.every}, ${schedule.state}`);",
        "const { schedules } = await astra.client.schedules();\nif (!schedules.some((s) => s.name === 'nb-sqlite-hourly')) throw new Error('the schedule is not listed');\nawait astra.client.deleteSchedule('nb-sqlite-hourly');\nconsole.log(`listed ${schedules.length} schedule(s), then deleted nb-sqlite-hourly`);",
    ],
}


def notebook(cells):
    return {
        "cells": [{"cell_type": "code", "id": f"cell-{i}", "metadata": {}, "execution_count": None, "outputs": [], "source": source} for i, source in enumerate(cells)],
        "metadata": {"kernelspec": {"name": "tslab", "display_name": "TypeScript", "language": "typescript"}, "language_info": {"name": "typescript"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


if __name__ == "__main__":
    for name, cells in NOTEBOOKS.items():
        (HERE / f"{name}.ipynb").write_text(json.dumps(notebook(cells), indent=1) + "\n")
