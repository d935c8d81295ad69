// The one way document ingestion reaches the network: every URL and every redirect hop is checked against the egress policy before a connection opens.
import { promises as dns } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

export interface EgressPolicy {
  /** Exceptions to the forbidden ranges: hostnames, IPs or CIDRs, each optionally with ":port" (bracket IPv6 before a port: "[fd00::1]:8443"). */
  allow: string[];
}

export interface FetchedResource {
  /** The final URL, after redirects. */
  url: string;
  status: number;
  contentType: string | null;
  body: Buffer;
  /** Every URL that answered with a redirect, in the order they were visited. */
  redirects: string[];
}

export interface EgressOptions {
  policy: EgressPolicy;
  /** Every address a hostname resolves to; defaults to the system resolver. */
  resolve?: (hostname: string) => Promise<string[]>;
  maxRedirects?: number;
  maxBytes?: number;
  /** For the whole fetch, redirects included. */
  timeoutMs?: number;
  userAgent?: string;
}

export interface Egress {
  /** Fetches one URL with GET, following redirects; any hop the policy forbids rejects with EgressRefusedError before it connects. */
  fetch(url: string): Promise<FetchedResource>;
}

/** A URL the policy does not let ingestion fetch; retrying will not help, changing the URL or the policy will. */
export class EgressRefusedError extends Error {
  override readonly name = 'EgressRefusedError';

  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`refused ${url}: ${reason}`);
  }
}

const ALLOW_VARIABLE = 'ASTRA_EGRESS_ALLOW';
const DEFAULT_MAX_REDIRECTS = 5;
const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_USER_AGENT = 'Astra document ingestion';
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

type AddressFamily = 'ipv4' | 'ipv6';

interface AddressRange {
  addresses: BlockList;
  family: AddressFamily;
  /** How the range reads in a refusal: "127.0.0.1 is <what>". */
  what: string;
}

function addressRange(network: string, prefix: number, what: string): AddressRange {
  const family = familyOf(network);
  const addresses = new BlockList();
  addresses.addSubnet(network, prefix, family);
  return { addresses, family, what };
}

const DOCUMENTATION = 'a reserved (documentation) address';

/** Ranges no document source should live in; the first match names the refusal, so specific entries come first. */
const FORBIDDEN_RANGES: AddressRange[] = [
  addressRange('169.254.169.254', 32, 'the cloud instance metadata address'),
  addressRange('255.255.255.255', 32, 'the broadcast address'),
  addressRange('0.0.0.0', 8, 'an unspecified ("this network") address'),
  addressRange('10.0.0.0', 8, 'a private address'),
  addressRange('100.64.0.0', 10, 'a carrier-grade NAT (shared) address'),
  addressRange('127.0.0.0', 8, 'a loopback address'),
  addressRange('169.254.0.0', 16, 'a link-local address'),
  addressRange('172.16.0.0', 12, 'a private address'),
  addressRange('192.0.0.0', 24, 'a reserved (IETF protocol assignments) address'),
  addressRange('192.0.2.0', 24, DOCUMENTATION),
  addressRange('192.168.0.0', 16, 'a private address'),
  addressRange('198.18.0.0', 15, 'a reserved (benchmarking) address'),
  addressRange('198.51.100.0', 24, DOCUMENTATION),
  addressRange('203.0.113.0', 24, DOCUMENTATION),
  addressRange('224.0.0.0', 4, 'a multicast address'),
  addressRange('240.0.0.0', 4, 'a reserved address'),
  addressRange('::', 128, 'the unspecified address'),
  addressRange('::1', 128, 'a loopback address'),
  addressRange('fd00:ec2::254', 128, 'the cloud instance metadata address'),
  addressRange('fc00::', 7, 'a private (unique local) address'),
  addressRange('fe80::', 10, 'a link-local address'),
  addressRange('fec0::', 10, 'a site-local address'),
  addressRange('ff00::', 8, 'a multicast address'),
  addressRange('100::', 64, 'a reserved (discard) address'),
  addressRange('2001:db8::', 32, DOCUMENTATION),
  // Teredo tunnels to an obfuscated IPv4 address; no document source needs one.
  addressRange('2001::', 32, 'a Teredo tunnel address'),
  addressRange('64:ff9b:1::', 48, 'a local-use NAT64 address'),
];

/** IPv6 ranges that carry an IPv4 address, judged by that address; `group` is where its 32 bits start. */
const IPV4_CARRIERS: Array<{ range: AddressRange; group: number }> = [
  { range: addressRange('::ffff:0:0', 96, 'an IPv4-mapped IPv6 address'), group: 6 },
  { range: addressRange('::', 96, 'an IPv4-compatible IPv6 address'), group: 6 },
  { range: addressRange('::ffff:0:0:0', 96, 'an IPv4-translated IPv6 address'), group: 6 },
  { range: addressRange('64:ff9b::', 96, 'a NAT64 address'), group: 6 },
  { range: addressRange('2002::', 16, 'a 6to4 address'), group: 1 },
];

function familyOf(address: string): AddressFamily {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

/** The eight 16-bit groups of an IPv6 address that `isIP` accepted, a trailing dotted IPv4 folded in. */
function ipv6Groups(address: string): number[] {
  const lastGroupAt = address.lastIndexOf(':') + 1;
  const lastGroup = address.slice(lastGroupAt);
  const octets = lastGroup.split('.').map(Number);
  const text = lastGroup.includes('.')
    ? `${address.slice(0, lastGroupAt)}${(((octets[0] ?? 0) << 8) | (octets[1] ?? 0)).toString(16)}:${(((octets[2] ?? 0) << 8) | (octets[3] ?? 0)).toString(16)}`
    : address;
  const [head = '', tail] = text.split('::');
  const groupsOf = (part: string) => (part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16)));
  const before = groupsOf(head);
  const after = tail === undefined ? [] : groupsOf(tail);
  return [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after];
}

/** Why an address is off limits (e.g. "a loopback address"), or null for a public address. */
function forbiddenBecause(address: string): string | null {
  const family = familyOf(address);
  const forbidden = FORBIDDEN_RANGES.find((range) => range.family === family && range.addresses.check(address, family));
  if (forbidden) return forbidden.what;
  if (family === 'ipv4') return null;
  const carrier = IPV4_CARRIERS.find(({ range }) => range.addresses.check(address, 'ipv6'));
  if (!carrier) return null;
  const groups = ipv6Groups(address);
  const high = groups[carrier.group] ?? 0;
  const low = groups[carrier.group + 1] ?? 0;
  const ipv4 = `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  const why = forbiddenBecause(ipv4);
  return why === null ? null : `${carrier.range.what} of ${ipv4}, which is ${why}`;
}

type AllowEntry =
  | { kind: 'hostname'; hostname: string; port: number | null }
  | { kind: 'addresses'; addresses: BlockList; port: number | null };

function invalidAllowEntry(entry: string, why: string): Error {
  return new Error(`${ALLOW_VARIABLE} entry "${entry}" ${why}; use a hostname, an IP address or a CIDR, each optionally with :port (e.g. docs.internal, 10.1.0.0/16, fd00::/8, [fd00::1]:8443)`);
}

function parseAllowEntry(entry: string): AllowEntry {
  const text = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const hostAndPort = /^([^:]+):(\d+)$/.exec(text);
  const [target = '', portText] = bracketed ? [bracketed[1], bracketed[2]] : hostAndPort ? [hostAndPort[1], hostAndPort[2]] : [text];
  const port = portText === undefined ? null : Number(portText);
  if (port !== null && (port < 1 || port > 65_535)) throw invalidAllowEntry(entry, `has port ${portText}, outside 1-65535`);

  const [network = '', prefixText, ...rest] = target.split('/');
  if (rest.length > 0) throw invalidAllowEntry(entry, 'has more than one "/"');
  if (isIP(network)) {
    const family = familyOf(network);
    const widest = family === 'ipv4' ? 32 : 128;
    const prefix = prefixText === undefined ? widest : Number(prefixText);
    if ((prefixText !== undefined && !/^\d+$/.test(prefixText)) || prefix > widest) throw invalidAllowEntry(entry, `has prefix /${prefixText}, not a whole number from 0 to ${widest}`);
    const addresses = new BlockList();
    addresses.addSubnet(network, prefix, family);
    return { kind: 'addresses', addresses, port };
  }
  if (prefixText !== undefined) throw invalidAllowEntry(entry, `has a "/" but ${network} is not an IP address`);
  if (!/^[a-z0-9_.-]+$/i.test(target)) throw invalidAllowEntry(entry, 'is not a valid hostname');
  // The URL parser canonicalises the entry exactly as it will canonicalise the URLs it must match ("0x7f.1" is 127.0.0.1).
  let hostname: string;
  try {
    hostname = new URL(`http://${target}/`).hostname;
  } catch {
    throw invalidAllowEntry(entry, 'is not a valid hostname');
  }
  if (isIP(hostname)) return parseAllowEntry(port === null ? hostname : `${hostname}:${port}`);
  return { kind: 'hostname', hostname: withoutTrailingDot(hostname), port };
}

function withoutTrailingDot(hostname: string): string {
  return hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
}

/** The allow-list from ASTRA_EGRESS_ALLOW (comma-separated); throws at start-up on an entry that is not a hostname, IP or CIDR. */
export function egressPolicyFromEnv(env: NodeJS.ProcessEnv): EgressPolicy {
  const allow = (env[ALLOW_VARIABLE] ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  allow.forEach(parseAllowEntry);
  return { allow };
}

async function resolveWithSystem(hostname: string): Promise<string[]> {
  const answers = await dns.lookup(hostname, { all: true, verbatim: true });
  return answers.map((answer) => answer.address);
}

/** An address the policy cleared for one hop; the connection goes to it and nowhere else. */
interface CheckedAddress {
  address: string;
  family: 4 | 6;
}

/** A `lookup` for http(s).request that answers with the checked addresses, so no second DNS answer can redirect the connection. */
function lookupOnly(checked: CheckedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const [first] = checked;
    if (options.all) callback(null, checked);
    else if (first) callback(null, first.address, first.family);
  };
}

/** The URL's host as DNS and sockets want it: IPv6 without its brackets. */
function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

function formatLimit(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes}-byte`;
}

/** The egress every outbound request of document ingestion goes through, over one policy. */
export function createEgress(options: EgressOptions): Egress {
  const allowEntries = options.policy.allow.map(parseAllowEntry);
  const resolve = options.resolve ?? resolveWithSystem;
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const userAgent = options.userAgent ?? DEFAULT_USER_AGENT;

  function allows(hostname: string, address: string | null, port: number): boolean {
    return allowEntries.some(
      (entry) =>
        (entry.port === null || entry.port === port) &&
        (entry.kind === 'hostname' ? entry.hostname === hostname : address !== null && entry.addresses.check(address, familyOf(address))),
    );
  }

  /** Parses one hop's URL, refusing anything but a plain http(s) URL. */
  function parseHop(text: string, redirectedFrom: string): URL {
    const refuse = (reason: string) => new EgressRefusedError(text, `${reason}${redirectedFrom}`);
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw refuse('not a valid URL');
    }
    if (url.username !== '' || url.password !== '') {
      url.username = '';
      url.password = '';
      // Names the URL without its credentials, so the refusal itself does not leak them into logs.
      throw new EgressRefusedError(url.href, `the URL carries credentials (user:password@), which ingestion never sends; remove them from the URL${redirectedFrom}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refuse(`only http: and https: URLs are fetched, not ${url.protocol}`);
    return url;
  }

  /** Resolves the hop's host once and clears every address it answers, or refuses the hop. */
  async function checkHop(url: URL, shown: string, redirectedFrom: string): Promise<CheckedAddress[]> {
    const host = hostOf(url);
    const hostname = withoutTrailingDot(host);
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    const literal = isIP(host) !== 0;
    const answers = literal ? [host] : await resolve(host);
    if (answers.length === 0) throw new Error(`${hostname} resolves to no address`);
    const hostnameAllowed = !literal && allows(hostname, null, port);
    return answers.map((answer) => {
      // A scoped answer (fe80::1%eth0) is judged and matched without its zone.
      const address = answer.split('%')[0] ?? answer;
      const family = isIP(address);
      if (family !== 4 && family !== 6) throw new Error(`the resolver answered "${answer}" for ${hostname}, which is not an IP address`);
      const why = forbiddenBecause(address);
      if (why !== null && !hostnameAllowed && !allows(hostname, address, port)) {
        const reason = literal
          ? `${address} is ${why}; add it to ${ALLOW_VARIABLE} to allow it`
          : `${hostname} resolves to ${address}, ${why}; add ${hostname} or ${address} to ${ALLOW_VARIABLE} to allow it`;
        throw new EgressRefusedError(shown, `${reason}${redirectedFrom}`);
      }
      return { address: answer, family };
    });
  }

  function request(url: URL, checked: CheckedAddress[], signal: AbortSignal): Promise<http.IncomingMessage> {
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolveResponse, reject) => {
      const outgoing = client.request(
        {
          // The hostname stays the hostname, so the Host header and the TLS servername and certificate check use it.
          hostname: hostOf(url),
          port: url.port === '' ? undefined : Number(url.port),
          path: `${url.pathname}${url.search}`,
          method: 'GET',
          headers: { host: url.host, 'user-agent': userAgent, accept: '*/*' },
          lookup: lookupOnly(checked),
          // A fresh connection per hop: a pooled socket could still point at an address checked for an earlier request.
          agent: false,
          signal,
        },
        resolveResponse,
      );
      outgoing.on('error', reject);
      outgoing.end();
    });
  }

  async function readBody(response: http.IncomingMessage, shown: string): Promise<Buffer> {
    const tooLarge = () => new EgressRefusedError(shown, `the response is larger than the ${formatLimit(maxBytes)} limit (maxBytes)`);
    const declared = Number(response.headers['content-length']);
    if (declared > maxBytes) {
      response.destroy();
      throw tooLarge();
    }
    const chunks: Buffer[] = [];
    let received = 0;
    for await (const chunk of response) {
      const piece = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      received += piece.length;
      if (received > maxBytes) {
        response.destroy();
        throw tooLarge();
      }
      chunks.push(piece);
    }
    return Buffer.concat(chunks);
  }

  async function fetchFollowingRedirects(requested: string, signal: AbortSignal): Promise<FetchedResource> {
    const redirects: string[] = [];
    let url = parseHop(requested, '');
    let shown = requested;
    let redirectedFrom = '';
    for (;;) {
      const checked = await checkHop(url, shown, redirectedFrom);
      // The deadline may have passed during the lookup; open nothing after it.
      signal.throwIfAborted();
      const response = await request(url, checked, signal);
      const location = response.headers.location;
      if (!REDIRECT_STATUSES.has(response.statusCode ?? 0) || location === undefined) {
        return {
          url: url.href,
          status: response.statusCode ?? 0,
          contentType: response.headers['content-type'] ?? null,
          body: await readBody(response, shown),
          redirects,
        };
      }
      // Redirect bodies are never read: the hop only needs its Location.
      response.destroy();
      redirects.push(url.href);
      if (redirects.length > maxRedirects) {
        throw new EgressRefusedError(requested, `more than ${maxRedirects} redirects (maxRedirects); the last went from ${url.href} to ${location}`);
      }
      redirectedFrom = ` (redirected from ${url.href} with Location: ${location})`;
      let next: string;
      try {
        next = new URL(location, url).href;
      } catch {
        throw new EgressRefusedError(location, `not a valid URL${redirectedFrom}`);
      }
      shown = next;
      url = parseHop(next, redirectedFrom);
    }
  }

  /** Settles with `work`, or rejects as soon as the deadline passes (a DNS lookup cannot be cancelled). */
  function beforeDeadline<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
    return new Promise((resolveWork, reject) => {
      const onAbort = () => reject(new Error('deadline passed'));
      signal.addEventListener('abort', onAbort, { once: true });
      void work.then(resolveWork, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  return {
    async fetch(requested: string): Promise<FetchedResource> {
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(), timeoutMs);
      try {
        return await beforeDeadline(fetchFollowingRedirects(requested, deadline.signal), deadline.signal);
      } catch (error) {
        // Plain Error on purpose: a timeout is transient, so the activity retries it.
        if (deadline.signal.aborted) throw new Error(`timed out after ${timeoutMs} ms fetching ${requested} (timeoutMs)`, { cause: error });
        throw error;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
