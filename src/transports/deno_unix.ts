/**
 * Unix datagram sockets through Deno's `Deno.listenDatagram` with transport
 * `unixpacket`, available with `--unstable-net`. Deno sends only from a bound
 * socket, so the transport binds one in a private temporary directory and
 * removes it on close.
 *
 * Measured with Deno 2.9: while the receiver's queue is full, a pending send
 * keeps the process alive and Deno polls it in a busy loop; closing the
 * socket does not cancel it. So a send that waits longer than `stallMs` is
 * failed and later ones fail at once until the receiver reads again.
 *
 * @module
 */

import { type PermissionDescriptor, permissionFlag, platform } from "../_platform.ts";
import { denoDatagramApi, type DenoDatagramConn, serialSender } from "./deno_udp.ts";
import type { Transport, TransportContext } from "./transport.ts";

/** Options for {@linkcode connectDenoUnix}. */
export interface DenoUnixOptions {
  /**
   * How long one send may wait for a full receive queue, in milliseconds,
   * before it fails with `EAGAIN` (default 1000). Deno itself would wait for
   * ever.
   */
  stallMs?: number;
}

/** The permissions the transport needs: sending to `path`, and binding `local` in `dir`. */
function requiredPermissions(path: string, dir: string, local: string): PermissionDescriptor[] {
  return [
    { name: "net", host: `unix:${path}` },
    { name: "write", path },
    { name: "net", host: `unix:${local}` },
    { name: "write", path: dir },
    { name: "read", path: dir },
  ];
}

/** The longest socket path, in bytes: `sun_path` less its terminating NUL. */
function maxPathBytes(): number {
  return platform().os === "linux" ? 107 : 103;
}

/** A short random name for the private directory. */
function randomName(): string {
  return `spectator-${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
}

/**
 * Wraps `conn` so that a send the receiver has not taken within `stallMs`
 * fails with `EAGAIN` instead of waiting for ever. Deno cannot cancel the
 * send, so it stays pending (and Deno polls it) until the receiver reads or
 * goes away; meanwhile later sends fail at once rather than pile up, and
 * closing waits for it before releasing the socket.
 */
function withStallGuard(conn: DenoDatagramConn, path: string, stallMs: number): DenoDatagramConn {
  let stuck: Promise<unknown> | undefined;
  const stalled = () =>
    Object.assign(
      new Error(`Cannot send to unix://${path}: the receiver took no datagram for ${stallMs} ms (EAGAIN)`),
      { code: "EAGAIN" },
    );
  return {
    send(data, address) {
      if (stuck !== undefined) return Promise.reject(stalled());
      const sent = conn.send(data, address);
      return new Promise<number>((resolve, reject) => {
        const cancel = platform().unrefTimeout(() => {
          stuck = sent.catch(() => {}).then(() => void (stuck = undefined));
          reject(stalled());
        }, stallMs);
        sent.then(resolve, reject).finally(cancel);
      });
    },
    close() {
      if (stuck === undefined) conn.close();
      else void stuck.then(() => conn.close());
    },
  };
}

/**
 * Opens a Unix datagram transport to `path` with `Deno.listenDatagram`
 * (`--unstable-net`). It binds a socket at `<tmp>/spectator-<random>/c.sock`
 * (`<tmp>` is `TMPDIR` when `--allow-env` lets the library read it, else
 * `/tmp`) and sends one datagram at a time, in order. Closing it removes the
 * directory, as does the program's `unload` event.
 *
 * It needs `--allow-net` (for `unix:` paths), `--allow-write` (the target
 * and the directory) and `--allow-read` (the directory): without them it
 * throws an `Error` naming the missing flags rather than letting Deno prompt.
 *
 * @param path the receiver's socket path
 * @param _context unused: every error is reported by `send`
 * @param options how long a send may wait for a full receive queue
 * @returns the transport
 */
export async function connectDenoUnix(
  path: string,
  _context: TransportContext,
  options: DenoUnixOptions = {},
): Promise<Transport> {
  const api = denoDatagramApi();
  if (api === undefined) throw new Error(`Cannot open unix://${path}: Deno.listenDatagram needs --unstable-net`);
  const bytes = new TextEncoder().encode(path).length;
  if (bytes > maxPathBytes()) {
    throw new RangeError(
      `Cannot open unix://${path}: a Unix socket path holds at most ${maxPathBytes()} bytes: received ${bytes}`,
    );
  }
  const base = (platform().readEnv("TMPDIR") ?? "/tmp").replace(/(.)\/+$/, "$1");
  const dir = `${base}/${randomName()}`;
  const local = `${dir}/c.sock`;
  const missing = new Set(
    requiredPermissions(path, dir, local).filter((p) => !platform().isGranted(p)).map(permissionFlag),
  );
  if (missing.size > 0) {
    throw new Error(
      `Cannot open unix://${path} with Deno.listenDatagram: run Deno with ${[...missing].join(" ")} ` +
        `(it sends to ${path} from a socket it binds in ${base})`,
    );
  }
  await Deno.mkdir(dir, { mode: 0o700 });
  const removeDir = () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // already removed
    }
  };
  let conn: DenoDatagramConn;
  try {
    conn = api.listenDatagram({ transport: "unixpacket", path: local });
  } catch (error) {
    removeDir();
    throw error;
  }
  globalThis.addEventListener("unload", removeDir);
  const sender = serialSender(
    withStallGuard(conn, path, options.stallMs ?? 1000),
    { transport: "unixpacket", path },
  );
  let closed: Promise<void> | undefined;
  return {
    send: (datagram) => sender.send(datagram),
    close() {
      closed ??= sender.close().finally(() => {
        globalThis.removeEventListener("unload", removeDir);
        removeDir();
      });
      return closed;
    },
  };
}
