/**
 * A Unix datagram listener for tests, bound in a child process (see
 * `child_listener.ts`), and private directories for socket files. Like
 * SpectatorD, it removes a stale socket file before binding; closing it kills
 * the process and leaves the file behind, as a crashed agent does.
 *
 * @module
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Transport } from "../../mod.ts";
import { type ChildListener, listenInChild } from "./child_listener.ts";

/** A bound Unix datagram socket that records what it receives; its waits time out after 3000 ms by default. */
export interface UnixListener extends ChildListener {
  /** The socket path. */
  readonly path: string;
}

/** A fresh private directory for socket files. */
export interface TempSocketDir {
  /** The directory. */
  readonly dir: string;
  /** Returns the path of the socket `name` in the directory. */
  path(name?: string): string;
  /** Removes the directory and everything in it. */
  remove(): void;
}

/** Creates a fresh temporary directory for socket files. */
export function tempSocketDir(): TempSocketDir {
  const dir = mkdtempSync(join(tmpdir(), "spectator-unix-"));
  return {
    dir,
    path: (name = "agent.sock") => join(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Starts a listener bound at `path` and resolves once it is ready.
 *
 * @param path where to bind; a stale socket file there is replaced
 */
export async function listenUnix(path: string): Promise<UnixListener> {
  return { ...(await listenInChild({ kind: "unix", path })), path };
}

/**
 * Asserts the codes a Unix datagram transport reports: `ENOENT` for a path with no file, `ECONNREFUSED` for a socket
 * file nobody listens on (a crashed agent's) and for a file that is not a socket. Returns a transport of `open` to a
 * missing path, still open, for more checks; the caller closes it.
 *
 * @param dir a fresh socket directory
 * @param open opens the transport under test to a path
 */
export async function assertUnixErrorCodes(
  dir: TempSocketDir,
  open: (path: string) => Transport | Promise<Transport>,
): Promise<Transport> {
  const bytes = new TextEncoder().encode("c:x:1");
  const transport = await open(dir.path());
  assert.throws(() => transport.send(bytes), { code: "ENOENT" });
  const listener = await listenUnix(dir.path());
  await listener.close();
  assert.throws(() => transport.send(bytes), { code: "ECONNREFUSED" });
  writeFileSync(dir.path("file"), "not a socket");
  const toFile = await open(dir.path("file"));
  try {
    assert.throws(() => toFile.send(bytes), { code: "ECONNREFUSED" });
  } finally {
    await toFile.close();
  }
  return transport;
}
