import { ChromaClient } from 'chromadb';

/** A Chroma client for a server URL such as http://127.0.0.1:8010. */
export function chromaClientFor(url: string): ChromaClient {
  const parsed = new URL(url);
  const ssl = parsed.protocol === 'https:';
  return new ChromaClient({ host: parsed.hostname, port: Number(parsed.port || (ssl ? 443 : 80)), ssl });
}
