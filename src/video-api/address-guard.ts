import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { forbiddenAddress } from '../util/forbidden-address.js';

/**
 * Keeps the video download out of the bot's own network. Whoever controls the video API's answers (a
 * redirect from /content, a video_url) picks the URL the bot fetches, and what comes back is posted to chat:
 * without this, it could read the cloud metadata service or any internal HTTP service through the bot.
 *
 * Every hop is checked on the address it resolves to, at connect time (the `lookup` below is what the socket
 * uses), so a name cannot resolve to a public address for a check and a private one for the connection. The
 * video API's own host is trusted whatever its address, so a relay on 127.0.0.1 or a private network works.
 */

export class RefusedAddressError extends Error {
  readonly code = 'ERR_REFUSED_ADDRESS';
  /** The URL's host as written (a name or an IP literal). */
  readonly host: string;
  /** The address refused, when a name resolved to it. */
  readonly address: string | undefined;
  readonly reason: string;
  constructor(host: string, address: string | undefined, reason: string) {
    const where = address === undefined || address === host ? host : `${host} (resolves to ${address})`;
    super(`${where}: ${reason}`);
    this.name = 'RefusedAddressError';
    this.host = host;
    this.address = address;
    this.reason = reason;
  }
}

/** `dns.lookup` with `all: true`; replaceable so tests can make a name resolve anywhere. */
export type Resolve = (
  hostname: string,
  options: LookupOptions,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const systemResolve: Resolve = (hostname, options, callback) =>
  dnsLookup(hostname, { ...options, all: true }, callback);

export interface AddressGuard {
  /** The video API's own host, trusted at any address. */
  isApiHost(url: URL): boolean;
  /** What needs no DNS: the scheme, and a host written as an IP address. Throws `RefusedAddressError`. */
  checkUrl(url: URL): void;
  /** For `net.connect`: resolves, refuses the name if any of its addresses is forbidden, else connects to them. */
  lookup: LookupFunction;
  /** The whole check, DNS included, for a URL that is only shown to users: the refusal, if any. */
  refusal(url: URL): Promise<RefusedAddressError | undefined>;
}

const bare = (host: string) => host.replace(/^\[(.*)\]$/, '$1').toLowerCase();

export function createAddressGuard(apiBaseUrl: string, resolve: Resolve = systemResolve): AddressGuard {
  const apiHost = bare(new URL(apiBaseUrl).hostname);
  const isApiHostName = (hostname: string) => bare(hostname) === apiHost;

  /** The first forbidden address of a name, or a refusal when it resolves to nothing. */
  function judge(hostname: string, addresses: LookupAddress[]): RefusedAddressError | undefined {
    if (addresses.length === 0) return new RefusedAddressError(hostname, undefined, 'resolves to no address');
    for (const { address } of addresses) {
      const reason = forbiddenAddress(address);
      if (reason !== undefined) return new RefusedAddressError(hostname, address, `${reason} address`);
    }
    return undefined;
  }

  function checkUrl(url: URL): void {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      const scheme = `a ${url.protocol.replace(/:$/, '')}: URL`;
      throw new RefusedAddressError(scheme, undefined, 'only http and https URLs are fetched');
    }
    if (isApiHostName(url.hostname)) return;
    const host = bare(url.hostname);
    if (isIP(host) === 0) return;
    const reason = forbiddenAddress(host);
    if (reason !== undefined) throw new RefusedAddressError(host, host, `${reason} address`);
  }

  const lookup: LookupFunction = (hostname, options, callback) => {
    resolve(hostname, options, (error, addresses) => {
      if (error) {
        callback(error, '');
        return;
      }
      const refused = isApiHostName(hostname) ? undefined : judge(hostname, addresses);
      const first = addresses[0];
      if (refused !== undefined || first === undefined) {
        callback(refused ?? new RefusedAddressError(hostname, undefined, 'resolves to no address'), '');
      } else if (options.all) {
        callback(null, addresses);
      } else {
        callback(null, first.address, first.family);
      }
    });
  };

  return {
    isApiHost: (url) => isApiHostName(url.hostname),
    checkUrl,
    lookup,
    async refusal(url) {
      try {
        checkUrl(url);
      } catch (error) {
        if (error instanceof RefusedAddressError) return error;
        throw error;
      }
      const host = bare(url.hostname);
      if (isApiHostName(host) || isIP(host) !== 0) return undefined;
      return new Promise((settle) => {
        resolve(host, {}, (error, addresses) => {
          settle(
            error
              ? new RefusedAddressError(host, undefined, `does not resolve (${error.code ?? error.message})`)
              : judge(host, addresses),
          );
        });
      });
    },
  };
}

/** The refusal somewhere in an error's cause chain (fetch wraps the socket's error in a TypeError). */
export function refusalIn(error: unknown): RefusedAddressError | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof RefusedAddressError) return e;
  }
  return undefined;
}
