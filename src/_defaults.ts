/**
 * The library's defaults, in one place: `Config`, the LineWriter and the
 * transports all take theirs from here.
 *
 * @module
 */

/** The default SpectatorD UDP address, location `udp`. */
export const DEFAULT_UDP: { readonly host: string; readonly port: number } = Object.freeze({
  host: "127.0.0.1",
  port: 1234,
});

/** The default SpectatorD Unix datagram socket, location `unix`. */
export const DEFAULT_UNIX_PATH = "/run/spectatord/spectatord.unix";

/** The default output location. */
export const DEFAULT_LOCATION = "udp";

/** Bytes collected before a send; 0 sends at the end of each event-loop turn. */
export const DEFAULT_BUFFER_SIZE = 0;

/** With a buffer, the longest a line waits, in milliseconds. */
export const DEFAULT_FLUSH_INTERVAL_MS = 1000;

/** The largest datagram sent, in bytes: 60 KiB, under UDP's 65,507 over IPv4. */
export const DEFAULT_MAX_DATAGRAM_BYTES = 61_440;

/** The largest datagram allowed: UDP's limit over IPv4 (SpectatorD's Unix socket reads at most 65,536 bytes). */
export const MAX_DATAGRAM_BYTES = 65_507;

/** The most bytes waiting or in flight before lines are dropped: 4 MiB. */
export const DEFAULT_MAX_PENDING_BYTES = 4 * 1024 * 1024;

/** The shortest time between two connection attempts, in milliseconds. */
export const DEFAULT_RECONNECT_DELAY_MS = 1000;

/** The shortest time between two reports of one kind of failure, in milliseconds. */
export const DEFAULT_ERROR_INTERVAL_MS = 10_000;

/** How long datagrams may wait for a receiver that takes none before they are dropped, in milliseconds. */
export const DEFAULT_STALL_MS = 1000;

/** The most meters a registry caches by symbol, name and tags. */
export const DEFAULT_METER_CACHE_SIZE = 10_000;

/** The longest delay a timer takes (2^31-1 ms, about 24.8 days): the bound of every interval and delay option. */
export const MAX_DELAY_MS = 2 ** 31 - 1;

/** The largest `bufferSize` allowed: 1 GiB. */
export const MAX_BUFFER_SIZE = 2 ** 30;

/** The largest `maxPendingBytes` allowed: 2 GiB. */
export const MAX_PENDING_BYTES = 2 ** 31;
