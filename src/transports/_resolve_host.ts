/**
 * Addresses for UDP targets, shared by the UDP transports: name resolution,
 * the local address a socket binds, and Deno's network permission for both.
 *
 * @module
 */

import { andThen, type MaybePromise } from "../_maybe_async.ts";
import { platform } from "../_platform.ts";
import { formatHost } from "../location.ts";

/** An address ready for a socket. */
export interface ResolvedHost {
  /** An IPv4 or IPv6 literal, without brackets. */
  address: string;
  /** The address family. */
  family: 4 | 6;
}

/** Both ends of a UDP socket aimed at a target. */
export interface UdpEndpoints {
  /** The address family of both ends. */
  family: 4 | 6;
  /** The local address to bind (on an ephemeral port). */
  local: string;
  /** The resolved target address. */
  remote: string;
  /** The target port. */
  port: number;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Resolves `host` to one address: IP literals as they are, at once;
 * hostnames through the system resolver (`node:dns`, which every supported
 * runtime provides).
 *
 * @param host an IPv4 literal, an IPv6 literal without brackets, or a hostname
 * @returns the address and its family
 */
export function resolveHost(host: string): MaybePromise<ResolvedHost> {
  if (IPV4.test(host)) return { address: host, family: 4 };
  if (host.includes(":")) return { address: host, family: 6 };
  return lookUp(host);
}

async function lookUp(host: string): Promise<ResolvedHost> {
  const dns = await import("node:dns");
  const { address, family } = await dns.promises.lookup(host);
  return { address, family: family === 6 ? 6 : 4 };
}

/**
 * Returns the local address to bind for sending to `target`: the loopback
 * address for a loopback target (so Deno needs only `--allow-net=127.0.0.1`,
 * and the socket is not reachable from other hosts), else the wildcard of the
 * target's family. Binding the family explicitly matters on Bun, whose
 * default IPv4 socket cannot reach an IPv6 target.
 *
 * @param target the resolved destination
 * @returns an address literal without brackets
 */
export function localAddress(target: ResolvedHost): string {
  if (target.family === 6) return target.address === "::1" || /^(0+:){7}0*1$/.test(target.address) ? "::1" : "::";
  return target.address.startsWith("127.") ? "127.0.0.1" : "0.0.0.0";
}

/**
 * Resolves `target` and picks the local address: at once for an IP literal.
 * Called each time a transport is created, so a hostname is resolved again
 * after errors.
 *
 * @param target the configured host and port
 * @returns both ends of the socket
 * @throws {Error} on Deno without network permission for either end (asked
 * without prompting), or when the hostname does not resolve
 */
export function udpEndpoints(target: { host: string; port: number }): MaybePromise<UdpEndpoints> {
  // Resolving a hostname needs permission for the name itself.
  requireNet(target.host, target.port);
  return andThen(resolveHost(target.host), (resolved) => {
    const local = localAddress(resolved);
    requireNet(local, 0);
    requireNet(resolved.address, target.port);
    return { family: resolved.family, local, remote: resolved.address, port: target.port };
  });
}

function requireNet(host: string, port: number): void {
  const descriptor = `${formatHost(host)}:${port}`;
  if (platform().isGranted({ name: "net", host: descriptor })) return;
  throw new Error(`network access to ${descriptor} is not granted: run Deno with --allow-net=${formatHost(host)}`);
}
