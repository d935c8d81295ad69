// The node types, fetched once per page load: every flow editor draws its palette and forms from them.
import { api } from '../api/client';
import { makeCatalogue, type Catalogue } from '../store/editor-store';

let loading: Promise<Catalogue> | null = null;

export function loadCatalogue(): Promise<Catalogue> {
  loading ??= api.nodeTypes().then((answer) => makeCatalogue(answer.nodeTypes, answer.portTypes));
  loading.catch(() => {
    loading = null;
  });
  return loading;
}
