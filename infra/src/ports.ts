import net from 'node:net';
import { ConfigError } from './config';

/** Fails with a message naming the port and the variable that moves it when something already listens there. */
export async function assertPortFree(port: number, variable: string, host = '127.0.0.1'): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
  if (!free) {
    throw new ConfigError(`port ${port} is already in use (${variable}); stop what is using it or set ${variable} to a free port`);
  }
}

/** A port the OS says is free right now; for tests and benchmarks that run beside a started Astra. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
