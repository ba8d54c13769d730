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

/** A bound Unix datagram socket that records what it receives. */
export interface UnixListener {
  /** The socket path. */
  readonly path: string;
  /** Every datagram received so far, decoded as UTF-8, in arrival order. */
  readonly datagrams: string[];
  /** The byte length of each datagram in {@linkcode datagrams}. */
  readonly sizes: number[];
  /** The sender's bound socket path for each datagram (`""` for an unbound sender). */
  readonly senders: string[];
  /** Every line received so far: the datagrams split on `\n`. */
  lines(): string[];
  /** Resolves with the datagrams once at least `count` arrived; rejects after `timeoutMs` (default 3000). */
  waitForDatagrams(count: number, timeoutMs?: number): Promise<string[]>;
  /** Resolves with the lines once at least `count` arrived; rejects after `timeoutMs` (default 3000). */
  waitForLines(count: number, timeoutMs?: number): Promise<string[]>;
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
  const datagrams: string[] = [];
  const sizes: number[] = [];
  const senders: string[] = [];
  const acks: string[] = [];
  const decoder = new TextDecoder();
  let changed: (() => void) | undefined;
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
      if (kind === "ack") acks.push(rest[0]);
      if (kind === "datagram") {
        const bytes = new Uint8Array(rest[1].length / 2);
        for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(rest[1].slice(2 * i, 2 * i + 2), 16);
        senders.push(rest[0]);
        sizes.push(bytes.length);
        datagrams.push(decoder.decode(bytes));
      }
      changed?.();
    }
  });
  child.once("exit", (code, signal) => failed?.(new Error(`the listener exited early (${code ?? signal})`)));
  child.once("error", (error) => failed?.(error));

  const lines = () => datagrams.flatMap((datagram) => datagram.split("\n"));

  function waitUntil<T>(done: () => T | undefined, what: () => string, timeoutMs: number): Promise<T> {
    const result = done();
    if (result !== undefined) return Promise.resolve(result);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        changed = undefined;
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what()} on ${path}`));
      }, timeoutMs);
      changed = () => {
        const result = done();
        if (result === undefined) return;
        changed = undefined;
        clearTimeout(timer);
        resolve(result);
      };
    });
  }

  async function command(name: string): Promise<void> {
    child.stdin!.write(`${name}\n`);
    const seen = acks.length;
    await waitUntil(() => (acks.length > seen ? true : undefined), () => `the ${name} acknowledgement`, 3000);
  }

  let closed: Promise<void> | undefined;
  const listener: UnixListener = {
    path,
    datagrams,
    sizes,
    senders,
    lines,
    waitForDatagrams(count, timeoutMs = 3000) {
      return waitUntil(
        () => (datagrams.length >= count ? datagrams : undefined),
        () => `${count} datagrams (got ${datagrams.length})`,
        timeoutMs,
      );
    },
    waitForLines(count, timeoutMs = 3000) {
      return waitUntil(
        () => {
          const all = lines();
          return all.length >= count ? all : undefined;
        },
        () => `${count} lines (got ${lines().length})`,
        timeoutMs,
      );
    },
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
