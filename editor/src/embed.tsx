// The editor as a library: a host (the editor's own page, JupyterLab's flow tab, a chat page) mounts it
// with its own API client; nothing in here assumes the page's origin or cookies.
import type { ColorMode } from '@xyflow/react';
import { ApiContext, type AstraClient } from './api/client';
import { FlowEditorPage } from './pages/flow-editor';

export { ApiContext, sameOriginClient, useApi } from './api/client';
export { FlowEditorPage } from './pages/flow-editor';

export function EmbeddedFlowEditor({ client, flowId, colorMode = 'light' }: { client: AstraClient; flowId: string; colorMode?: ColorMode }) {
  return (
    <ApiContext.Provider value={client}>
      <div className="astra-embedded-editor app-main">
        <FlowEditorPage flowId={flowId} colorMode={colorMode} />
      </div>
    </ApiContext.Provider>
  );
}
