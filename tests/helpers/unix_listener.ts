/**
 * A Unix datagram listener for tests: a small `python3` child process binds
 * the socket and reports every datagram on its standard output, so the same
 * helper works on Deno, Bun and Node (none of which can bind a Unix datagram
 * socket without flags or native code). Like SpectatorD, it removes a stale
 * socket file before binding; closing it kills the process and leaves the
 * file behind, as a crashed agent does.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatagramCollector, type ReceivedDatagrams } from "./datagram_collector.ts";

/** The listener: reads datagrams while not paused; commands arrive on stdin, one per line. */
const LISTENER_PY = `
import json, os, selectors, socket, sys
path = sys.argv[1]
try:
    os.unlink(path)
except FileNotFoundError:
    pass
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
sock.setblocking(False)
sel = selectors.DefaultSelector()
sel.register(0, selectors.EVENT_READ, "stdin")
sel.register(sock, selectors.EVENT_READ, "socket")
def say(*words):
    sys.stdout.write(json.dumps(words) + "\\n")
    sys.stdout.flush()
say("ready")
pending = b""
while True:
    for key, _ in sel.select():
        if key.data == "socket":
            while True:
                try:
                    data, sender = sock.recvfrom(1 << 17)
                except BlockingIOError:
                    break
                say("datagram", sender or "", data.hex())
            continue
        chunk = os.read(0, 4096)
        if not chunk:
            sys.exit(0)
        pending += chunk
        while b"\\n" in pending:
            command, pending = pending.split(b"\\n", 1)
            if command == b"pause":
                sel.unregister(sock)
            elif command == b"resume":
                sel.register(sock, selectors.EVENT_READ, "socket")
            say("ack", command.decode())
`;

/** A bound Unix datagram socket that records what it receives; its waits time out after 3000 ms by default. */
export interface UnixListener extends ReceivedDatagrams {
  /** The socket path. */
  readonly path: string;
  /** The sender's bound socket path for each datagram (`""` for an unbound sender). */
  readonly senders: string[];
  /** Stops reading, so the socket's receive queue fills up. */
  pause(): Promise<void>;
  /** Reads again after {@linkcode pause}. */
  resume(): Promise<void>;
  /** Kills the listener and waits for it to exit; the socket file stays. Idempotent. */
  close(): Promise<void>;
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
export function listenUnix(path: string): Promise<UnixListener> {
  const child: ChildProcess = spawn("python3", ["-u", "-c", LISTENER_PY, path], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const collector = new DatagramCollector({ where: () => path, timeoutMs: 3000 });
  const senders: string[] = [];
  const acks: string[] = [];
  let ready: ((listener: UnixListener) => void) | undefined;
  let failed: ((error: Error) => void) | undefined;
  let buffered = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const [kind, ...rest] = JSON.parse(buffered.slice(0, newline)) as string[];
      buffered = buffered.slice(newline + 1);
      if (kind === "ready") ready?.(listener);
      if (kind === "ack") {
        acks.push(rest[0]);
        collector.changed(); // wakes command()
      }
      if (kind === "datagram") {
        const bytes = new Uint8Array(rest[1].length / 2);
        for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(rest[1].slice(2 * i, 2 * i + 2), 16);
        senders.push(rest[0]);
        collector.add(bytes);
      }
    }
  });
  child.once("exit", (code, signal) => failed?.(new Error(`the listener exited early (${code ?? signal})`)));
  child.once("error", (error) => failed?.(error));

  async function command(name: string): Promise<void> {
    child.stdin!.write(`${name}\n`);
    const seen = acks.length;
    await collector.waitUntil(() => (acks.length > seen ? true : undefined), () => `the ${name} acknowledgement`);
  }

  let closed: Promise<void> | undefined;
  const listener: UnixListener = {
    path,
    ...collector.received,
    senders,
    pause: () => command("pause"),
    resume: () => command("resume"),
    close() {
      closed ??= (async () => {
        failed = undefined;
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
        await exited;
        child.stdin!.destroy();
        child.stdout!.destroy();
      })();
      return closed;
    },
  };

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void listener.close();
      reject(new Error(`the listener at ${path} did not start within 5000 ms`));
    }, 5000);
    ready = (value) => {
      clearTimeout(timer);
      ready = undefined;
      failed = undefined;
      resolve(value);
    };
    failed = (error) => {
      clearTimeout(timer);
      failed = undefined;
      reject(error);
    };
  });
}
