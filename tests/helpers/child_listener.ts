/**
 * A datagram listener in another process, for tests: a small `python3` child
 * binds a Unix datagram socket or a UDP socket and reports every datagram on
 * its standard output. The same helper works on Deno, Bun and Node (none of
 * which can bind a Unix datagram socket without flags or native code), and
 * it keeps reading while the test process is busy: a thread writes the
 * reports, so a test that sends a long synchronous burst (and reads nothing
 * meanwhile) does not stop the child from emptying its socket.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { type ChildProcess, spawn } from "node:child_process";
import { DatagramCollector, type ReceivedDatagrams } from "./datagram_collector.ts";

/**
 * The listener: reads datagrams while not paused; commands arrive on stdin,
 * one per line. A Unix socket replaces a stale socket file before binding,
 * as SpectatorD does; a UDP socket asks for a large receive buffer, and for
 * address reuse when given a port (one held by `holdDeadUdpPort()`).
 */
const LISTENER_PY = `
import json, os, queue, selectors, socket, sys, threading
kind = sys.argv[1]
if kind == "unix":
    try:
        os.unlink(sys.argv[2])
    except FileNotFoundError:
        pass
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sys.argv[2])
else:
    host, port = sys.argv[2], int(sys.argv[3])
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    if port != 0:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
sock.setblocking(False)
sel = selectors.DefaultSelector()
sel.register(0, selectors.EVENT_READ, "stdin")
sel.register(sock, selectors.EVENT_READ, "socket")
reports = queue.Queue()
def write_reports():
    while True:
        words = reports.get()
        words = [w.hex() if isinstance(w, bytes) else w for w in words]
        sys.stdout.write(json.dumps(words) + "\\n")
        sys.stdout.flush()
threading.Thread(target=write_reports, daemon=True).start()
def sender_name(sender):
    if isinstance(sender, tuple):
        return "%s:%d" % sender[:2]
    return sender or ""
reports.put(("ready", str(sock.getsockname()[1]) if kind == "udp" else ""))
pending = b""
while True:
    for key, _ in sel.select():
        if key.data == "socket":
            while True:
                try:
                    data, sender = sock.recvfrom(1 << 17)
                except BlockingIOError:
                    break
                reports.put(("datagram", sender_name(sender), data))
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
            reports.put(("ack", command.decode()))
`;

/** What the child binds: a Unix socket path, or a UDP address (port 0 for an ephemeral one). */
export type ChildListenerTarget = { kind: "unix"; path: string } | { kind: "udp"; host: string; port: number };

/** A socket bound in a child process that records what it receives; its waits time out after 3000 ms by default. */
export interface ChildListener extends ReceivedDatagrams {
  /** The bound UDP port; 0 for a Unix socket. */
  readonly port: number;
  /** The sender of each datagram: its bound socket path (`""` for an unbound one), or `host:port` over UDP. */
  readonly senders: string[];
  /** Stops reading, so the socket's receive queue fills up. */
  pause(): Promise<void>;
  /** Reads again after {@linkcode pause}. */
  resume(): Promise<void>;
  /** Kills the child and waits for it to exit; a Unix socket file stays, as a crashed agent's does. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a listener bound at `target` and resolves once it is ready.
 *
 * @param target what to bind; a stale Unix socket file there is replaced
 */
export function listenInChild(target: ChildListenerTarget): Promise<ChildListener> {
  const where = target.kind === "unix" ? target.path : `${target.host} port ${target.port}`;
  const args = target.kind === "unix" ? ["unix", target.path] : ["udp", target.host, String(target.port)];
  const child: ChildProcess = spawn("python3", ["-u", "-c", LISTENER_PY, ...args], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const collector = new DatagramCollector({ where: () => where, timeoutMs: 3000 });
  const senders: string[] = [];
  const acks: string[] = [];
  let ready: ((listener: ChildListener) => void) | undefined;
  let failed: ((error: Error) => void) | undefined;
  let port = 0;
  let buffered = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const [kind, ...rest] = JSON.parse(buffered.slice(0, newline)) as string[];
      buffered = buffered.slice(newline + 1);
      if (kind === "ready") {
        port = Number(rest[0]);
        ready?.({ ...listener, port });
      }
      if (kind === "ack") {
        acks.push(rest[0]);
        collector.changed(); // wakes command()
      }
      if (kind === "datagram") {
        senders.push(rest[0]);
        collector.add(Buffer.from(rest[1], "hex"));
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
  const listener: ChildListener = {
    port,
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
      reject(new Error(`the listener at ${where} did not start within 5000 ms`));
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
