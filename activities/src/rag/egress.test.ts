// Egress against real HTTP servers on 127.0.0.1. DNS is the one faked boundary: these tests must never query or reach any other address.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import http from 'node:http';
import { Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { createEgress, egressPolicyFromEnv, EgressRefusedError } from './egress';

interface LocalServer {
  port: number;
  origin: string;
  /** Every request the server received, in order. */
  requests: Array<{ path: string; host: string | undefined }>;
  close(): Promise<void>;
}

async function startLocalServer(answer: (request: http.IncomingMessage, response: http.ServerResponse, url: URL) => void): Promise<LocalServer> {
  const requests: LocalServer['requests'] = [];
  const server = http.createServer((request, response) => {
    requests.push({ path: request.url ?? '', host: request.headers.host });
    answer(request, response, new URL(request.url ?? '/', 'http://local'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the test server has no TCP port');
  return {
    port: address.port,
    origin: `http://127.0.0.1:${address.port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** DNS is the boundary faked here: a fixed table, every lookup recorded, unknown names fail as NXDOMAIN would. */
function fakeDns(table: Record<string, string[]>) {
  const lookups: string[] = [];
  return {
    lookups,
    resolve: async (hostname: string) => {
      lookups.push(hostname);
      const answers = table[hostname];
      if (!answers) throw new Error(`getaddrinfo ENOTFOUND ${hostname}`);
      return answers;
    },
  };
}

/**
 * Counts the plain-TCP client sockets a test opens. A socket beyond `expected`, or one that looked up anything but
 * 127.0.0.1, is destroyed before it connects (net defers a literal address's connect a tick, and connects a name only
 * after its 'lookup'), so a regression fails the test without a packet leaving the machine. TLS sockets skip this
 * channel, which is why every https: case here points at 127.0.0.1.
 */
function watchOutboundSockets(expected: number) {
  const blocked: string[] = [];
  let opened = 0;
  const onSocket = (message: unknown) => {
    if (typeof message !== 'object' || message === null || !('socket' in message) || !(message.socket instanceof Socket)) return;
    const socket = message.socket;
    opened += 1;
    // The guard's own errors can arrive before the request listens; the request still sees them.
    socket.on('error', () => {});
    if (opened > expected) {
      process.nextTick(() => {
        blocked.push(`socket #${opened}`);
        socket.destroy(new Error(`test guard: unexpected outbound socket #${opened}`));
      });
    }
    socket.prependListener('lookup', (_error: Error | null, address: string | undefined) => {
      if (address === '127.0.0.1') return;
      blocked.push(String(address));
      socket.destroy(new Error(`test guard: connection to ${String(address)} blocked`));
    });
  };
  subscribe('net.client.socket', onSocket);
  onTestFinished(() => {
    unsubscribe('net.client.socket', onSocket);
  });
  return {
    blocked,
    get opened() {
      return opened;
    },
  };
}

async function refusal(fetching: Promise<unknown>): Promise<EgressRefusedError> {
  const outcome = await fetching.then(
    () => new Error('expected a refusal, but the fetch succeeded'),
    (error: unknown) => error,
  );
  if (outcome instanceof EgressRefusedError) return outcome;
  throw new Error(`expected an EgressRefusedError, got: ${String(outcome)}`);
}

const HINT = 'add it to ASTRA_EGRESS_ALLOW to allow it';

let docs: LocalServer;
let internal: LocalServer;

beforeAll(async () => {
  docs = await startLocalServer((_request, response, url) => {
    const redirect = (status: number, location: string) => response.writeHead(status, { location }).end();
    if (url.pathname === '/guide') return response.writeHead(200, { 'content-type': 'text/plain' }).end('Install Astra with npm start.');
    if (url.pathname === '/start') return redirect(302, '/guide');
    if (url.pathname === '/redirect') return redirect(Number(url.searchParams.get('status')), url.searchParams.get('to') ?? '/');
    if (url.pathname.startsWith('/loop/')) {
      const hop = Number(url.pathname.slice('/loop/'.length));
      if (String(hop) === url.searchParams.get('until')) return response.writeHead(200).end('arrived');
      return redirect(302, `/loop/${hop + 1}${url.search}`);
    }
    if (url.pathname === '/bytes') {
      const size = Number(url.searchParams.get('size'));
      const declared = url.searchParams.get('framing') === 'content-length' ? { 'content-length': String(size) } : {};
      response.writeHead(200, { 'content-type': 'application/octet-stream', ...declared });
      // Two writes, so a chunked body arrives in more than one piece.
      response.write(Buffer.alloc(Math.floor(size / 2), 'a'));
      return response.end(Buffer.alloc(size - Math.floor(size / 2), 'b'));
    }
    if (url.pathname === '/declares-huge') return response.writeHead(200, { 'content-length': String(50 * 1024 * 1024 + 1) }).flushHeaders();
    if (url.pathname === '/hang') return;
    response.writeHead(404).end();
  });
  internal = await startLocalServer((_request, response) => response.writeHead(200).end('internal secret'));
});

afterAll(async () => {
  await docs.close();
  await internal.close();
});

beforeEach(() => {
  docs.requests.length = 0;
  internal.requests.length = 0;
});

describe('egress refuses forbidden addresses before any lookup or connection', () => {
  const literalRefusals: Array<[url: string, reason: string]> = [
    ['http://127.0.0.1/', `127.0.0.1 is a loopback address; ${HINT}`],
    ['https://127.0.0.1:8443/', `127.0.0.1 is a loopback address; ${HINT}`],
    ['http://169.254.169.254/latest/meta-data/', `169.254.169.254 is the cloud instance metadata address; ${HINT}`],
    ['http://10.0.0.1/', `10.0.0.1 is a private address; ${HINT}`],
    ['http://172.16.5.4/', `172.16.5.4 is a private address; ${HINT}`],
    ['http://192.168.1.1/', `192.168.1.1 is a private address; ${HINT}`],
    ['http://100.64.0.1/', `100.64.0.1 is a carrier-grade NAT (shared) address; ${HINT}`],
    ['http://169.254.10.1/', `169.254.10.1 is a link-local address; ${HINT}`],
    ['http://224.0.0.251/', `224.0.0.251 is a multicast address; ${HINT}`],
    ['http://240.0.0.1/', `240.0.0.1 is a reserved address; ${HINT}`],
    ['http://255.255.255.255/', `255.255.255.255 is the broadcast address; ${HINT}`],
    ['http://0.0.0.0/', `0.0.0.0 is an unspecified ("this network") address; ${HINT}`],
    ['http://2130706433/', `127.0.0.1 is a loopback address; ${HINT}`],
    ['http://0177.0.0.1/', `127.0.0.1 is a loopback address; ${HINT}`],
    ['http://0x7f.1/', `127.0.0.1 is a loopback address; ${HINT}`],
    ['http://127.1/', `127.0.0.1 is a loopback address; ${HINT}`],
    ['http://0xa9fea9fe/', `169.254.169.254 is the cloud instance metadata address; ${HINT}`],
    ['http://[::1]/', `::1 is a loopback address; ${HINT}`],
    ['http://[::]/', `:: is the unspecified address; ${HINT}`],
    ['http://[::ffff:127.0.0.1]/', `::ffff:7f00:1 is an IPv4-mapped IPv6 address of 127.0.0.1, which is a loopback address; ${HINT}`],
    ['http://[::ffff:7f00:1]/', `::ffff:7f00:1 is an IPv4-mapped IPv6 address of 127.0.0.1, which is a loopback address; ${HINT}`],
    ['http://[::ffff:a9fe:a9fe]/', `::ffff:a9fe:a9fe is an IPv4-mapped IPv6 address of 169.254.169.254, which is the cloud instance metadata address; ${HINT}`],
    ['http://[::127.0.0.1]/', `::7f00:1 is an IPv4-compatible IPv6 address of 127.0.0.1, which is a loopback address; ${HINT}`],
    ['http://[64:ff9b::10.0.0.1]/', `64:ff9b::a00:1 is a NAT64 address of 10.0.0.1, which is a private address; ${HINT}`],
    ['http://[2002:7f00:1::1]/', `2002:7f00:1::1 is a 6to4 address of 127.0.0.1, which is a loopback address; ${HINT}`],
    ['http://[fd00:ec2::254]/', `fd00:ec2::254 is the cloud instance metadata address; ${HINT}`],
    ['http://[fc00::1]/', `fc00::1 is a private (unique local) address; ${HINT}`],
    ['http://[fe80::1]/', `fe80::1 is a link-local address; ${HINT}`],
    ['http://[ff02::1]/', `ff02::1 is a multicast address; ${HINT}`],
  ];

  it.each(literalRefusals)('refuses %s', async (url, reason) => {
    const sockets = watchOutboundSockets(0);
    const dns = fakeDns({});
    const egress = createEgress({ policy: { allow: [] }, resolve: dns.resolve });

    const error = await refusal(egress.fetch(url));

    expect(error.message).toBe(`refused ${url}: ${reason}`);
    expect(error.url).toBe(url);
    expect(dns.lookups).toEqual([]);
    expect(sockets.opened).toBe(0);
  });

  it('refuses a hostname whose DNS answers a private address', async () => {
    const sockets = watchOutboundSockets(0);
    const dns = fakeDns({ 'files.example.com': ['10.0.0.1'] });
    const egress = createEgress({ policy: { allow: [] }, resolve: dns.resolve });

    const error = await refusal(egress.fetch('http://files.example.com/report.pdf'));

    expect(error.message).toBe(
      'refused http://files.example.com/report.pdf: files.example.com resolves to 10.0.0.1, a private address; add files.example.com or 10.0.0.1 to ASTRA_EGRESS_ALLOW to allow it',
    );
    expect(dns.lookups).toEqual(['files.example.com']);
    expect(sockets.opened).toBe(0);
  });

  it('refuses a hostname that resolves to one public and one private address, contacting neither', async () => {
    const sockets = watchOutboundSockets(0);
    const dns = fakeDns({ 'mixed.example.com': ['93.184.215.14', '192.168.0.10'] });
    const egress = createEgress({ policy: { allow: [] }, resolve: dns.resolve });

    const error = await refusal(egress.fetch('https://mixed.example.com/'));

    expect(error.reason).toContain('mixed.example.com resolves to 192.168.0.10, a private address');
    expect(sockets.opened).toBe(0);
  });

  it('refuses a hostname whose DNS answers an IPv4-mapped metadata address', async () => {
    const sockets = watchOutboundSockets(0);
    const egress = createEgress({ policy: { allow: [] }, resolve: fakeDns({ 'meta.example.com': ['::ffff:169.254.169.254'] }).resolve });

    const error = await refusal(egress.fetch('http://meta.example.com/'));

    expect(error.reason).toContain('resolves to ::ffff:169.254.169.254, an IPv4-mapped IPv6 address of 169.254.169.254, which is the cloud instance metadata address');
    expect(sockets.opened).toBe(0);
  });

  it('refuses localhost through the system resolver', async () => {
    const sockets = watchOutboundSockets(0);
    const egress = createEgress({ policy: { allow: [] } });

    const error = await refusal(egress.fetch(`http://localhost:${docs.port}/guide`));

    expect(error.reason).toMatch(/^localhost resolves to (127\.0\.0\.1|::1), a loopback address; add localhost or/);
    expect(sockets.opened).toBe(0);
    expect(docs.requests).toEqual([]);
  });

  it('refuses credentials in the URL without repeating them', async () => {
    const sockets = watchOutboundSockets(0);
    const dns = fakeDns({ 'docs.example.com': ['127.0.0.1'] });
    const egress = createEgress({ policy: { allow: ['docs.example.com'] }, resolve: dns.resolve });

    const error = await refusal(egress.fetch(`http://ingest:s3cret@docs.example.com:${docs.port}/guide`));

    expect(error.url).toBe(`http://docs.example.com:${docs.port}/guide`);
    expect(error.message).toContain('the URL carries credentials');
    expect(error.message).not.toContain('s3cret');
    expect(dns.lookups).toEqual([]);
    expect(sockets.opened).toBe(0);
  });

  it.each(['file:///etc/passwd', 'ftp://docs.example.com/guide', 'not a url'])('refuses %s: only valid http(s) URLs are fetched', async (url) => {
    const sockets = watchOutboundSockets(0);
    const egress = createEgress({ policy: { allow: ['docs.example.com'] }, resolve: fakeDns({ 'docs.example.com': ['127.0.0.1'] }).resolve });

    const error = await refusal(egress.fetch(url));

    expect(error.reason).toMatch(/^(only http: and https: URLs are fetched|not a valid URL)/);
    expect(sockets.opened).toBe(0);
  });
});

describe('egress fetches allowed hosts from the address it checked', () => {
  it('serves a page from a public-looking hostname allow-listed through ASTRA_EGRESS_ALLOW', async () => {
    const sockets = watchOutboundSockets(1);
    const dns = fakeDns({ 'docs.example.com': ['127.0.0.1'] });
    const egress = createEgress({ policy: egressPolicyFromEnv({ ASTRA_EGRESS_ALLOW: 'docs.example.com' }), resolve: dns.resolve });

    const page = await egress.fetch(`http://docs.example.com:${docs.port}/guide`);

    expect(page).toEqual({
      url: `http://docs.example.com:${docs.port}/guide`,
      status: 200,
      contentType: 'text/plain',
      body: Buffer.from('Install Astra with npm start.'),
      redirects: [],
    });
    expect(docs.requests).toEqual([{ path: '/guide', host: `docs.example.com:${docs.port}` }]);
    expect(dns.lookups).toEqual(['docs.example.com']);
    expect(sockets.opened).toBe(1);
  });

  it('refuses the same hostname when it is not allow-listed', async () => {
    const sockets = watchOutboundSockets(0);
    const egress = createEgress({ policy: { allow: [] }, resolve: fakeDns({ 'docs.example.com': ['127.0.0.1'] }).resolve });

    const error = await refusal(egress.fetch(`http://docs.example.com:${docs.port}/guide`));

    expect(error.reason).toBe('docs.example.com resolves to 127.0.0.1, a loopback address; add docs.example.com or 127.0.0.1 to ASTRA_EGRESS_ALLOW to allow it');
    expect(docs.requests).toEqual([]);
    expect(sockets.opened).toBe(0);
  });

  it('allows a hostname entry with a port only on that port', async () => {
    const sockets = watchOutboundSockets(1);
    const resolve = fakeDns({ 'docs.example.com': ['127.0.0.1'] }).resolve;
    const otherPort = createEgress({ policy: { allow: [`docs.example.com:${docs.port + 1}`] }, resolve });
    const samePort = createEgress({ policy: { allow: [`docs.example.com:${docs.port}`] }, resolve });

    await refusal(otherPort.fetch(`http://docs.example.com:${docs.port}/guide`));
    const page = await samePort.fetch(`http://docs.example.com:${docs.port}/guide`);

    expect(page.status).toBe(200);
    expect(docs.requests).toHaveLength(1);
    expect(sockets.opened).toBe(1);
  });

  it('allows a literal address by CIDR, and only inside that CIDR', async () => {
    const sockets = watchOutboundSockets(1);
    const outside = createEgress({ policy: { allow: ['10.0.0.0/8', 'fd00::/8'] } });
    const inside = createEgress({ policy: { allow: ['127.0.0.0/8'] } });

    const error = await refusal(outside.fetch(`${docs.origin}/guide`));
    const page = await inside.fetch(`${docs.origin}/guide`);

    expect(error.reason).toBe(`127.0.0.1 is a loopback address; ${HINT}`);
    expect(page.body.toString()).toBe('Install Astra with npm start.');
    expect(docs.requests).toHaveLength(1);
    expect(sockets.opened).toBe(1);
  });

  it('allows a resolved address by CIDR without naming the hostname', async () => {
    const sockets = watchOutboundSockets(1);
    const egress = createEgress({ policy: { allow: ['127.0.0.0/30'] }, resolve: fakeDns({ 'docs.example.com': ['127.0.0.1'] }).resolve });

    const page = await egress.fetch(`http://docs.example.com:${docs.port}/guide`);

    expect(page.status).toBe(200);
    expect(sockets.opened).toBe(1);
  });

  it('connects to the address it checked even when DNS would answer differently on a second lookup', async () => {
    const sockets = watchOutboundSockets(1);
    const lookups: string[] = [];
    // A rebinding DNS: the first answer passes the check, every later one points inside the network.
    const rebindingResolve = async (hostname: string) => {
      lookups.push(hostname);
      return lookups.length === 1 ? ['127.0.0.1'] : ['10.0.0.1'];
    };
    const egress = createEgress({ policy: { allow: ['docs.example.com'] }, resolve: rebindingResolve });

    const page = await egress.fetch(`http://docs.example.com:${docs.port}/guide`);

    expect(page.body.toString()).toBe('Install Astra with npm start.');
    expect(lookups).toEqual(['docs.example.com']);
    expect(docs.requests).toHaveLength(1);
    expect(sockets.blocked).toEqual([]);
  });
});

describe('egress re-checks every redirect hop', () => {
  it('follows a relative redirect, looking the host up once per hop', async () => {
    const sockets = watchOutboundSockets(2);
    const dns = fakeDns({ 'docs.example.com': ['127.0.0.1'] });
    const egress = createEgress({ policy: { allow: ['docs.example.com'] }, resolve: dns.resolve });

    const page = await egress.fetch(`http://docs.example.com:${docs.port}/start`);

    expect(page.url).toBe(`http://docs.example.com:${docs.port}/guide`);
    expect(page.redirects).toEqual([`http://docs.example.com:${docs.port}/start`]);
    expect(page.body.toString()).toBe('Install Astra with npm start.');
    expect(docs.requests.map((request) => request.path)).toEqual(['/start', '/guide']);
    expect(dns.lookups).toEqual(['docs.example.com', 'docs.example.com']);
    expect(sockets.opened).toBe(2);
  });

  const forbiddenTargets: Array<{ name: string; location: () => string; refusedUrl: () => string; reason: string }> = [
    {
      name: 'another port on 127.0.0.1',
      location: () => `${internal.origin}/`,
      refusedUrl: () => `${internal.origin}/`,
      reason: `127.0.0.1 is a loopback address; ${HINT}`,
    },
    {
      name: 'http://169.254.169.254/latest/meta-data/',
      location: () => 'http://169.254.169.254/latest/meta-data/',
      refusedUrl: () => 'http://169.254.169.254/latest/meta-data/',
      reason: `169.254.169.254 is the cloud instance metadata address; ${HINT}`,
    },
    {
      name: 'http://2130706433/',
      location: () => 'http://2130706433/',
      refusedUrl: () => 'http://127.0.0.1/',
      reason: `127.0.0.1 is a loopback address; ${HINT}`,
    },
  ];
  const redirectCases = [301, 302, 307].flatMap((status) => forbiddenTargets.map((target) => ({ status, ...target })));

  it.each(redirectCases)('refuses a $status redirect to $name', async ({ status, location, refusedUrl, reason }) => {
    const sockets = watchOutboundSockets(1);
    const egress = createEgress({ policy: { allow: ['docs.example.com'] }, resolve: fakeDns({ 'docs.example.com': ['127.0.0.1'] }).resolve });
    const start = `http://docs.example.com:${docs.port}/redirect?status=${status}&to=${encodeURIComponent(location())}`;

    const error = await refusal(egress.fetch(start));

    expect(error.url).toBe(refusedUrl());
    expect(error.message).toBe(`refused ${refusedUrl()}: ${reason} (redirected from ${start} with Location: ${location()})`);
    expect(docs.requests).toHaveLength(1);
    expect(internal.requests).toEqual([]);
    expect(sockets.opened).toBe(1);
  });

  it('refuses a redirect to a file: URL', async () => {
    const sockets = watchOutboundSockets(1);
    const egress = createEgress({ policy: { allow: ['docs.example.com'] }, resolve: fakeDns({ 'docs.example.com': ['127.0.0.1'] }).resolve });

    const error = await refusal(egress.fetch(`http://docs.example.com:${docs.port}/redirect?status=302&to=file%3A%2F%2F%2Fetc%2Fpasswd`));

    expect(error.url).toBe('file:///etc/passwd');
    expect(error.reason).toMatch(/^only http: and https: URLs are fetched, not file: \(redirected from /);
    expect(sockets.opened).toBe(1);
  });

  it('follows exactly maxRedirects redirects', async () => {
    watchOutboundSockets(4);
    const egress = createEgress({ policy: { allow: ['docs.example.com'] }, resolve: fakeDns({ 'docs.example.com': ['127.0.0.1'] }).resolve, maxRedirects: 3 });

    const page = await egress.fetch(`http://docs.example.com:${docs.port}/loop/0?until=3`);

    expect(page.body.toString()).toBe('arrived');
    expect(page.redirects).toHaveLength(3);
  });

  it('gives up with a clear error after maxRedirects', async () => {
    watchOutboundSockets(4);
    const dns = fakeDns({ 'docs.example.com': ['127.0.0.1'] });
    const egress = createEgress({ policy: { allow: ['docs.example.com'] }, resolve: dns.resolve, maxRedirects: 3 });
    const start = `http://docs.example.com:${docs.port}/loop/0`;

    const error = await refusal(egress.fetch(start));

    expect(error.message).toBe(
      `refused ${start}: more than 3 redirects (maxRedirects); the last went from http://docs.example.com:${docs.port}/loop/3 to /loop/4`,
    );
    expect(docs.requests).toHaveLength(4);
    expect(dns.lookups).toHaveLength(4);
  });

  it('follows at most 5 redirects by default', async () => {
    watchOutboundSockets(6);
    const egress = createEgress({ policy: { allow: ['docs.example.com'] }, resolve: fakeDns({ 'docs.example.com': ['127.0.0.1'] }).resolve });

    const error = await refusal(egress.fetch(`http://docs.example.com:${docs.port}/loop/0`));

    expect(error.reason).toMatch(/^more than 5 redirects/);
    expect(docs.requests).toHaveLength(6);
  });
});

describe('egress limits', () => {
  const policy = { allow: ['127.0.0.1'] };

  it.each(['content-length', 'chunked'])('refuses a body over maxBytes, naming the limit (%s framing)', async (framing) => {
    const egress = createEgress({ policy, maxBytes: 1000 });

    const error = await refusal(egress.fetch(`${docs.origin}/bytes?size=1001&framing=${framing}`));

    expect(error.reason).toBe('the response is larger than the 1000-byte limit (maxBytes)');
  });

  it('accepts a body of exactly maxBytes', async () => {
    const egress = createEgress({ policy, maxBytes: 1000 });

    const page = await egress.fetch(`${docs.origin}/bytes?size=1000&framing=chunked`);

    expect(page.body).toHaveLength(1000);
  });

  it('refuses a body declared over the default 50 MiB limit before reading it', async () => {
    const egress = createEgress({ policy });

    const error = await refusal(egress.fetch(`${docs.origin}/declares-huge`));

    expect(error.reason).toBe('the response is larger than the 50 MiB limit (maxBytes)');
  });

  it('gives up after timeoutMs with a plain, retryable error', async () => {
    const egress = createEgress({ policy, timeoutMs: 300 });

    const outcome = await egress.fetch(`${docs.origin}/hang`).then(
      () => null,
      (error: unknown) => error,
    );

    expect(outcome).toBeInstanceOf(Error);
    expect(outcome).not.toBeInstanceOf(EgressRefusedError);
    expect(String(outcome)).toBe(`Error: timed out after 300 ms fetching ${docs.origin}/hang (timeoutMs)`);
  });
});

describe('egressPolicyFromEnv', () => {
  it('reads a comma-separated ASTRA_EGRESS_ALLOW', () => {
    const policy = egressPolicyFromEnv({ ASTRA_EGRESS_ALLOW: ' docs.internal, 10.1.0.0/16 ,fd00::/8,,[fd00::1]:8443, docs.internal:8080, 10.2.0.0/16:443 ' });

    expect(policy).toEqual({ allow: ['docs.internal', '10.1.0.0/16', 'fd00::/8', '[fd00::1]:8443', 'docs.internal:8080', '10.2.0.0/16:443'] });
  });

  it('allows nothing beyond public addresses when ASTRA_EGRESS_ALLOW is unset', () => {
    expect(egressPolicyFromEnv({})).toEqual({ allow: [] });
  });

  it.each(['docs internal', '10.0.0.0/33', '10.0.0.0/', 'fd00::/129', 'docs.internal/8', 'docs.internal:99999', '1.2.3.4.5'])(
    'rejects the entry %j with a message naming it',
    (entry) => {
      expect(() => egressPolicyFromEnv({ ASTRA_EGRESS_ALLOW: `docs.internal,${entry}` })).toThrow(`ASTRA_EGRESS_ALLOW entry "${entry}"`);
    },
  );
});
