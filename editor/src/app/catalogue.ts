// The node types, fetched once per page load: every flow editor draws its palette and forms from them.
import type { AstraClient } from '../api/client';
import { makeCatalogue, type Catalogue } from '../store/editor-store';

const loading = new WeakMap<AstraClient, Promise<Catalogue>>();

export function loadCatalogue(api: AstraClient): Promise<Catalogue> {
  let pending = loading.get(api);
  if (!pending) {
    pending = api.nodeTypes().then((answer) => makeCatalogue(answer.nodeTypes, answer.portTypes));
    loading.set(api, pending);
    pending.catch(() => loading.delete(api));
  }
  return pending;
}
