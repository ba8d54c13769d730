/**
 * A loopback UDP port where nobody listens, held for the length of a test:
 * a small `python3` child binds a free port, then connects the socket to
 * itself, so it hears nothing and every other sender gets "port unreachable"
 * (ECONNREFUSED), exactly as from a free port; yet no other process can bind
 * the port meanwhile. The socket allows address reuse (set after its bind, so
 * the kernel never hands it a port another socket uses), which lets a test's
 * own listener bind the same port later, as an agent that comes back does
 * (`listenUdp({ port })` asks for reuse when given a port).
 *
 * @module
 */

import { spawn } from "node:child_process";

const HOLDER_PY = `
import socket, sys
host = sys.argv[1]
sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
sock.bind((host, 0))
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.connect(sock.getsockname()[:2])
print(sock.getsockname()[1], flush=True)
sys.stdin.read()
`;

/** A held port where nobody listens. */
export interface DeadUdpPort {
  /** The address, e.g. `127.0.0.1` or `::1`. */
  readonly host: string;
  /** The port. */
  readonly port: number;
  /** Lets the port go; idempotent. */
  release(): Promise<void>;
}

/**
 * Holds a free UDP port on `host` where nobody listens, until released.
 *
 * @param host the loopback address; default `127.0.0.1`
 */
export function holdDeadUdpPort(host = "127.0.0.1"): Promise<DeadUdpPort> {
  const child = spawn("python3", ["-u", "-c", HOLDER_PY, host], { stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let released: Promise<void> | undefined;
  const release = () => {
    released ??= (async () => {
      child.stdin.end();
      await exited;
      child.stdout.destroy();
    })();
    return released;
  };
  return new Promise((resolve, reject) => {
    let output = "";
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the port holder on ${host} exited early (${code})`)));
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      output += chunk;
      if (output.endsWith("\n")) resolve({ host, port: Number(output.trim()), release });
    });
  });
}
