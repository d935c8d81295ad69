// The loader side of the sandbox: reads one document per message, answers with its documents or
// with the error's kind and message. Runs in a worker thread with its own heap limit.
import { parentPort } from 'node:worker_threads';
import { loadDocument } from './index';
import type { SandboxRequest, SandboxReply } from './sandbox';

const port = parentPort;
if (!port) throw new Error('sandbox-thread runs only as a worker thread');

port.on('message', (request: SandboxRequest) => {
  const reply = (message: SandboxReply) => port.postMessage(message);
  loadDocument({ bytes: Buffer.from(request.bytes), fileName: request.fileName, contentType: request.contentType, limits: request.limits }).then(
    (documents) => reply({ id: request.id, documents }),
    (error: unknown) => reply({ id: request.id, error: { name: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error) } }),
  );
});
port.postMessage({ ready: true });
