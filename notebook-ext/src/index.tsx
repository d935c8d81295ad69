// Astra's JupyterLab plugin (astra:plugin): the sidebar, flows in main-area tabs with the editor's own canvas
// and panels, and the renderers of Astra's MIME bundles. Every call goes through the server extension
// (/astra/api, Jupyter's auth), which adds the Astra key on the server; the browser never sees it.
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { MainAreaWidget, ReactWidget } from '@jupyterlab/apputils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { ServerConnection } from '@jupyterlab/services';
import { URLExt } from '@jupyterlab/coreutils';
import { Widget } from '@lumino/widgets';
import { createRoot, type Root } from 'react-dom/client';
import { ReactFlow } from '@xyflow/react';
import { z } from 'zod';
import { createAstraClient, flowMime, resultsMime, runMime, type AstraClient, type FlowSummary } from '@astra/client/browser';
import { flowGraph, run as runSchema } from '@astra/client/schemas';
import { EmbeddedFlowEditor } from '@astra/editor/embed';
import { AstraSidebar } from './sidebar';
import { RunView } from './run-view';

const runBundleData = z.object({ run: runSchema, tokens: z.string().default('') });
const flowBundleData = z.object({ id: z.string().optional(), name: z.string(), graph: flowGraph });
const resultsBundleData = z.object({ query: z.string(), results: z.array(z.object({ source: z.string(), score: z.number(), title: z.string().nullable(), text: z.string(), chunkId: z.string() }).passthrough()) });

export const OPEN_FLOW = 'astra:open-flow';

function jupyterClient(): AstraClient {
  const settings = ServerConnection.makeSettings();
  return createAstraClient({
    baseUrl: URLExt.join(settings.baseUrl, 'astra'),
    fetch: (url, init) => ServerConnection.makeRequest(url, init, settings),
  });
}

/** A React tree in a plain Lumino widget, for renderers (which JupyterLab hands a model, not props). */
class ReactRenderer extends Widget implements IRenderMime.IRenderer {
  private root: Root | null = null;
  constructor(private readonly draw: (data: unknown) => JSX.Element) {
    super();
    this.addClass('astra-output');
  }
  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const mime = Object.keys(model.data).find((key) => key.startsWith('application/vnd.astra.'));
    this.root ??= createRoot(this.node);
    this.root.render(this.draw(mime ? model.data[mime] : undefined));
    return Promise.resolve();
  }
  override dispose(): void {
    this.root?.unmount();
    this.root = null;
    super.dispose();
  }
}

function Unreadable({ what, error }: { what: string; error: z.ZodError }) {
  return <p className="astra-problem">This {what} output cannot be read: {error.issues[0]?.path.join('.')} {error.issues[0]?.message}</p>;
}

function FlowPreview({ app, data }: { app: JupyterFrontEnd; data: z.infer<typeof flowBundleData> }) {
  const nodes = data.graph.nodes.map((node) => ({ id: node.id, position: node.position ?? { x: 0, y: 0 }, data: { label: node.label ?? `${node.id} (${node.type})` } }));
  const edges = data.graph.edges.map((edge) => ({ id: edge.id, source: edge.source, target: edge.target }));
  return (
    <div className="astra-flow-preview">
      <p>
        <b>{data.name}</b> ({data.graph.nodes.length} nodes){' '}
        {data.id ? <button type="button" onClick={() => void app.commands.execute(OPEN_FLOW, { flowId: data.id ?? '', name: data.name })}>Open in tab</button> : null}
      </p>
      <div style={{ height: 260 }}>
        <ReactFlow nodes={nodes} edges={edges} fitView nodesDraggable={false} nodesConnectable={false} elementsSelectable={false} proOptions={{ hideAttribution: true }} />
      </div>
    </div>
  );
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'astra:plugin',
  description: 'Astra: flows, runs and collections in JupyterLab',
  autoStart: true,
  requires: [IRenderMimeRegistry],
  activate: (app: JupyterFrontEnd, rendermime: IRenderMimeRegistry) => {
    const client = jupyterClient();
    const tabs = new Map<string, MainAreaWidget>();

    app.commands.addCommand(OPEN_FLOW, {
      label: 'Open Astra flow',
      execute: (args) => {
        const flowId = String(args.flowId ?? '');
        const name = String(args.name ?? flowId);
        const open = tabs.get(flowId);
        if (open && !open.isDisposed) {
          app.shell.activateById(open.id);
          return;
        }
        const content = ReactWidget.create(<EmbeddedFlowEditor client={client} flowId={flowId} />);
        content.addClass('astra-flow-tab');
        const widget = new MainAreaWidget({ content });
        widget.id = `astra-flow-${flowId}`;
        widget.title.label = name;
        widget.title.closable = true;
        tabs.set(flowId, widget);
        app.shell.add(widget, 'main');
        app.shell.activateById(widget.id);
      },
    });

    const sidebar = ReactWidget.create(<AstraSidebar client={client} openFlow={(flow: FlowSummary) => void app.commands.execute(OPEN_FLOW, { flowId: flow.id, name: flow.name })} />);
    sidebar.id = 'astra-sidebar';
    sidebar.title.caption = 'Astra';
    sidebar.title.label = 'Astra';
    app.shell.add(sidebar, 'left', { rank: 200 });

    rendermime.addFactory({
      safe: true,
      mimeTypes: [runMime],
      defaultRank: 10,
      createRenderer: () => new ReactRenderer((data) => {
        const parsed = runBundleData.safeParse(data);
        return parsed.success ? <RunView client={client} runId={parsed.data.run.id} initial={parsed.data.run} /> : <Unreadable what="run" error={parsed.error} />;
      }),
    }, 10);
    rendermime.addFactory({
      safe: true,
      mimeTypes: [flowMime],
      defaultRank: 10,
      createRenderer: () => new ReactRenderer((data) => {
        const parsed = flowBundleData.safeParse(data);
        return parsed.success ? <FlowPreview app={app} data={parsed.data} /> : <Unreadable what="flow" error={parsed.error} />;
      }),
    }, 10);
    rendermime.addFactory({
      safe: true,
      mimeTypes: [resultsMime],
      defaultRank: 10,
      createRenderer: () => new ReactRenderer((data) => {
        const parsed = resultsBundleData.safeParse(data);
        if (!parsed.success) return <Unreadable what="results" error={parsed.error} />;
        return (
          <ol className="astra-results" aria-label={`Results for ${parsed.data.query}`}>
            {parsed.data.results.map((result) => <li key={result.chunkId}><b>{result.title ?? result.source}</b> <code>{result.score.toFixed(3)}</code><br />{result.text.slice(0, 400)}</li>)}
          </ol>
        );
      }),
    }, 10);
  },
};

export default plugin;
