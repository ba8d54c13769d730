/**
 * Name resolution for UDP targets, shared by the transports that need an
 * address rather than a hostname.
 *
 * @module
 */

/** An address ready for a socket. */
export interface ResolvedHost {
  address: string;
  family: 4 | 6;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Resolves `host` to one address: IP literals as they are, hostnames through
 * the system resolver (`node:dns`, which every supported runtime provides).
 */
export async function resolveHost(host: string): Promise<ResolvedHost> {
  if (IPV4.test(host)) return { address: host, family: 4 };
  if (host.includes(":")) return { address: host, family: 6 };
  const dns = await import("node:dns");
  const { address, family } = await dns.promises.lookup(host);
  return { address, family: family === 6 ? 6 : 4 };
}
