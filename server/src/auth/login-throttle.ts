// Login throttling that slows a password guesser without locking the owner out: failures count per
// (address, username) and per address, so guesses from one machine are cut short while the owner's
// own machine is untouched; a username under attack from many addresses is slowed only for
// addresses that have never signed in as it. Failures for names that do not exist count the same.
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export interface LoginThrottleOptions {
  /** Failed logins one address may make for one username before waiting `pairBlockSeconds`. */
  failuresPerPair: number;
  pairBlockSeconds: number;
  /** Failed logins one address may make in an hour, over all usernames. */
  failuresPerAddressPerHour: number;
  /** Failed logins for one username in an hour, from addresses that never signed in as it. */
  failuresPerUsernamePerHour: number;
  /** Registrations one address may make in an hour. */
  registrationsPerAddressPerHour: number;
}

export const defaultLoginThrottle: LoginThrottleOptions = {
  failuresPerPair: 5,
  pairBlockSeconds: 60,
  failuresPerAddressPerHour: 100,
  failuresPerUsernamePerHour: 200,
  registrationsPerAddressPerHour: 20,
};

const hour = 60 * 60;
const maxKnownAddresses = 100_000;

/** Milliseconds to wait, from a limiter's answer when it refused. */
const waitOf = (refusal: unknown) => (refusal instanceof RateLimiterRes ? refusal.msBeforeNext : 1000);

export function createLoginThrottle(options: Partial<LoginThrottleOptions> = {}) {
  const limits = { ...defaultLoginThrottle, ...options };
  const pair = new RateLimiterMemory({ keyPrefix: 'login-pair', points: limits.failuresPerPair, duration: 15 * 60, blockDuration: limits.pairBlockSeconds });
  const address = new RateLimiterMemory({ keyPrefix: 'login-address', points: limits.failuresPerAddressPerHour, duration: hour, blockDuration: hour });
  const username = new RateLimiterMemory({ keyPrefix: 'login-username', points: limits.failuresPerUsernamePerHour, duration: hour, blockDuration: 15 * 60 });
  const registrations = new RateLimiterMemory({ keyPrefix: 'register-address', points: limits.registrationsPerAddressPerHour, duration: hour });
  // Addresses that signed in as a username: the per-username limit never applies to them.
  const known = new Set<string>();
  const pairKey = (ip: string, name: string) => `${ip}\n${name.toLowerCase()}`;

  /** Whether a limiter has used up its points for `key` (without consuming any). */
  async function exhausted(limiter: RateLimiterMemory, key: string, points: number): Promise<number | undefined> {
    const state = await limiter.get(key);
    return state && state.consumedPoints >= points && state.msBeforeNext > 0 ? state.msBeforeNext : undefined;
  }

  return {
    /** Milliseconds this address must wait before trying this username again, or undefined when it may try now. */
    async wait(ip: string, name: string): Promise<number | undefined> {
      const waits = [
        await exhausted(pair, pairKey(ip, name), limits.failuresPerPair),
        await exhausted(address, ip, limits.failuresPerAddressPerHour),
        known.has(pairKey(ip, name)) ? undefined : await exhausted(username, name.toLowerCase(), limits.failuresPerUsernamePerHour),
      ].filter((ms): ms is number => ms !== undefined);
      return waits.length > 0 ? Math.max(...waits) : undefined;
    },
    async failed(ip: string, name: string): Promise<void> {
      // A refusal here only means the limit is reached; `wait` reports it on the next try.
      await Promise.allSettled([pair.consume(pairKey(ip, name)), address.consume(ip), known.has(pairKey(ip, name)) ? undefined : username.consume(name.toLowerCase())]);
    },
    async succeeded(ip: string, name: string): Promise<void> {
      await pair.delete(pairKey(ip, name));
      if (known.size >= maxKnownAddresses) known.clear();
      known.add(pairKey(ip, name));
    },
    /** Milliseconds to wait before registering again, or undefined when this address may register now. */
    async registration(ip: string): Promise<number | undefined> {
      try {
        await registrations.consume(ip);
        return undefined;
      } catch (refusal) {
        return waitOf(refusal);
      }
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
