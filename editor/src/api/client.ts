// The editor's way to the server: the shared Astra client, injected through context so that any host can
// mount the editor (its own page same-origin with the session cookie, JupyterLab through its server extension).
import { createContext, useContext } from 'react';
import { ApiError, createAstraClient, type AstraClient } from '@astra/client';

export { ApiError, type AstraClient };

/** The editor's own page: same origin, the session cookie authenticates. */
export const sameOriginClient: AstraClient = createAstraClient({ baseUrl: '', credentials: 'same-origin' });

export const ApiContext = createContext<AstraClient>(sameOriginClient);

/** The client of the host that mounted the editor. */
export function useApi(): AstraClient {
  return useContext(ApiContext);
}
