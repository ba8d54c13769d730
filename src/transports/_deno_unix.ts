/**
 * Unix datagram sockets through Deno's `Deno.listenDatagram` with transport
 * `unixpacket`, available with `--unstable-net`. Deno sends only from a bound
 * socket, so the transport binds one in a private temporary directory and
 * removes it on close.
 *
 * Measured with Deno 2.9: while the receiver's queue is full, a pending send
 * keeps the process alive and Deno polls it in a busy loop; closing the
 * socket does not cancel it. The LineWriter's stall timeout gives up on such
 * a send, and closes the socket only once it has settled.
 *
 * @module
 */

import { type PermissionDescriptor, permissionFlag, platform } from "../_platform.ts";
import { datagramTransport, denoDatagramApi, type DenoDatagramConn } from "./_deno_udp.ts";
import type { Transport, TransportContext } from "./transport.ts";

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
 * Opens a Unix datagram transport to `path` with `Deno.listenDatagram`
 * (`--unstable-net`). It binds a socket at `<tmp>/spectator-<random>/c.sock`
 * (`<tmp>` is `TMPDIR` when `--allow-env` lets the library read it, else
 * `/tmp`). Closing it removes the directory, as does the program's `unload`
 * event.
 *
 * It needs `--allow-net` (for `unix:` paths), `--allow-write` (the target
 * and the directory) and `--allow-read` (the directory): without them it
 * throws an `Error` naming the missing flags rather than letting Deno prompt.
 *
 * @param path the receiver's socket path
 * @param _context unused: every error is reported by `send`
 * @returns the transport
 */
export async function connectDenoUnix(
  path: string,
  _context: TransportContext,
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
  const sender = datagramTransport(conn, { transport: "unixpacket", path });
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
