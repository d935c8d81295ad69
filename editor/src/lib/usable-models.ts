// The models the signed-in user may use (GET /api/models lists only those), read once per client, for
// the model pickers of node forms.
import { useEffect, useState } from 'react';
import { useApi, type AstraClient } from '../api/client';

type CatalogModel = Awaited<ReturnType<AstraClient['models']>>['models'][number];

const loaded = new WeakMap<AstraClient, Promise<CatalogModel[]>>();

/** The names of the models of that kind the caller may use; empty until they are loaded (or when the list fails). */
export function useUsableModels(kind: 'generation' | 'embedding' | undefined): string[] {
  const api = useApi();
  const [models, setModels] = useState<CatalogModel[]>([]);
  useEffect(() => {
    if (!kind) return undefined;
    let live = true;
    let found = loaded.get(api);
    if (!found) loaded.set(api, (found = api.models().then((answer) => answer.models, () => [])));
    void found.then((list) => live && setModels(list));
    return () => {
      live = false;
    };
  }, [api, kind]);
  return kind ? models.filter((model) => model.kind === kind).map((model) => model.name) : [];
}

/** Which kind of model a node parameter names, if it names one (model, baseModel). */
export function modelKindOf(field: { name: string; description?: string }): 'generation' | 'embedding' | undefined {
  if (field.name !== 'model' && field.name !== 'baseModel') return undefined;
  return /embedding/i.test(field.description ?? '') ? 'embedding' : 'generation';
}
