// The models and collections the server has, for the pickers (inspector fields, the template dialog):
// fetched once per page load and shared; a collection list is fetched again when asked (after an ingest).
import { useEffect, useState } from 'react';
import { useApi, type AstraClient } from '../api/client';

export interface ModelChoice {
  name: string;
  kind: 'generation' | 'embedding';
}

const models = new WeakMap<AstraClient, Promise<ModelChoice[]>>();

export function useModelChoices(): ModelChoice[] | null {
  const api = useApi();
  const [list, setList] = useState<ModelChoice[] | null>(null);
  useEffect(() => {
    let live = true;
    let pending = models.get(api);
    if (!pending) {
      pending = api.models().then((answer) => answer.models.map(({ name, kind }) => ({ name, kind })));
      models.set(api, pending);
      pending.catch(() => models.delete(api));
    }
    pending.then((found) => live && setList(found), () => live && setList(null));
    return () => {
      live = false;
    };
  }, [api]);
  return list;
}

export function useCollectionNames(): string[] | null {
  const api = useApi();
  const [list, setList] = useState<string[] | null>(null);
  useEffect(() => {
    let live = true;
    api.collections().then((answer) => live && setList(answer.collections.map((collection) => collection.name)), () => live && setList(null));
    return () => {
      live = false;
    };
  }, [api]);
  return list;
}
