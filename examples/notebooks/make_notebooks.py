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
