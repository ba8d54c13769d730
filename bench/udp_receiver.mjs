// The receiving end of the UDP benchmark (bench/udp_bench.ts): a stand-in for
// SpectatorD (or a StatsD server) that only counts what arrives. Run it with Node:
//
//   node bench/udp_receiver.mjs [--host 127.0.0.1] [--port 0]
//
// It binds a UDP socket on a loopback address (port 0 picks an ephemeral one)
// with a large receive buffer, and prints one JSON line on stdout:
//   {"host":"127.0.0.1","port":41234,"controlPort":41235,"rcvbuf":8388608}
// Then it answers commands, one per line, on stdin and on a TCP control port
// on the same host (used by the benchmark processes), each with one JSON line:
//   stats  {"datagrams":..,"lines":..,"bytes":..,"largest":..,"valueSum":..,"kernelDrops":..,"rcvbuf":..}
//   reset  the same, then every count (kernel drops included) starts again from zero
//   quit   closes every socket and exits; so does the end of stdin
// Lines are the non-empty `\n`-separated parts of a datagram. valueSum adds up
// the value of every line: after the last `:` for SpectatorD lines
// (`c:name,tag=v:1`), between the first `:` and the first `|` for StatsD lines
// (`name:1|c|#tag:v`). Kernel drops are the `drops` column of this socket's
// line in /proc/net/udp (or udp6), null where that file cannot be read.
import dgram from "node:dgram";
import { readFileSync } from "node:fs";
import net from "node:net";
import process from "node:process";
import { createInterface } from "node:readline";

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);
/** Asked of the kernel; Linux caps it at net.core.rmem_max and doubles it. */
const RECEIVE_BUFFER_BYTES = 32 * 1024 * 1024;

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}

const host = option("host", "127.0.0.1");
const port = Number(option("port", "0"));
if (!LOOPBACK.has(host)) throw new RangeError(`udp_receiver: --host must be a loopback address: received ${host}`);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  throw new RangeError(`udp_receiver: --port must be from 0 to 65535: received ${port}`);
}
const family = host === "::1" ? 6 : 4;

const NEWLINE = 0x0a;
const COLON = 0x3a;
const PIPE = 0x7c;

let counts = newCounts();
let dropsBaseline = 0;

function newCounts() {
  return { datagrams: 0, lines: 0, bytes: 0, largest: 0, valueSum: 0 };
}

/** Counts the lines of one datagram and adds up their values, working on the bytes (no string per datagram). */
function count(message) {
  const length = message.length;
  counts.datagrams++;
  counts.bytes += length;
  if (length > counts.largest) counts.largest = length;
  const statsd = message.indexOf(PIPE) >= 0;
  let start = 0;
  while (start < length) {
    let end = message.indexOf(NEWLINE, start);
    if (end < 0) end = length;
    if (end > start) {
      counts.lines++;
      counts.valueSum += statsd ? statsdValue(message, start, end) : spectatorValue(message, start, end);
    }
    start = end + 1;
  }
}

/** The value of `sym:id:value`: after the last colon; a single digit is read without a string. */
function spectatorValue(message, start, end) {
  if (end - start > 2 && message[end - 2] === COLON) {
    const digit = message[end - 1] - 0x30;
    if (digit >= 0 && digit <= 9) return digit;
  }
  const colon = message.lastIndexOf(COLON, end - 1);
  return colon >= start ? Number(message.toString("latin1", colon + 1, end)) || 0 : 0;
}

/** The value of `name:value|type|...`: between the first colon and the first pipe. */
function statsdValue(message, start, end) {
  const colon = message.indexOf(COLON, start);
  if (colon < 0 || colon >= end) return 0;
  const pipe = message.indexOf(PIPE, colon);
  return pipe > colon && pipe < end ? Number(message.toString("latin1", colon + 1, pipe)) || 0 : 0;
}

/** The kernel's drop count for the bound socket, or null when /proc cannot tell. */
function kernelDrops(boundPort) {
  const portHex = `:${boundPort.toString(16).toUpperCase().padStart(4, "0")}`;
  let table;
  try {
    table = readFileSync(family === 6 ? "/proc/net/udp6" : "/proc/net/udp", "latin1");
  } catch {
    return null;
  }
  for (const row of table.split("\n").slice(1)) {
    const columns = row.trim().split(/\s+/);
    if (columns.length < 13 || !columns[1].endsWith(portHex)) continue;
    return Number(columns[columns.length - 1]);
  }
  return null;
}

const socket = dgram.createSocket(family === 6 ? "udp6" : "udp4");
socket.on("message", count);
socket.on("error", (error) => console.error(`udp_receiver: ${error.message}`));
await new Promise((resolve) => socket.bind(port, host, resolve));
socket.setRecvBufferSize(RECEIVE_BUFFER_BYTES);
const boundPort = socket.address().port;

function stats() {
  const drops = kernelDrops(boundPort);
  return {
    ...counts,
    kernelDrops: drops === null ? null : drops - dropsBaseline,
    rcvbuf: socket.getRecvBufferSize(),
  };
}

/** Runs one command; returns its JSON answer, or undefined for `quit`. */
function command(line) {
  const word = line.trim();
  if (word === "stats") return JSON.stringify(stats());
  if (word === "reset") {
    const before = stats();
    counts = newCounts();
    dropsBaseline = kernelDrops(boundPort) ?? 0;
    return JSON.stringify(before);
  }
  if (word === "quit") return undefined;
  return JSON.stringify({ error: `unknown command ${JSON.stringify(word)}: use stats, reset or quit` });
}

const connections = new Set();
const control = net.createServer((connection) => {
  connections.add(connection);
  connection.setNoDelay(true);
  connection.on("close", () => connections.delete(connection));
  connection.on("error", () => connection.destroy());
  createInterface({ input: connection }).on("line", (line) => {
    const answer = command(line);
    if (answer === undefined) return void shutdown();
    connection.write(`${answer}\n`);
  });
});
await new Promise((resolve) => control.listen(0, host, resolve));

let stopping = false;
function shutdown() {
  if (stopping) return;
  stopping = true;
  for (const connection of connections) connection.destroy();
  control.close();
  socket.close();
  input.close();
  process.stdin.destroy();
}

const input = createInterface({ input: process.stdin });
input.on("line", (line) => {
  const answer = command(line);
  if (answer === undefined) return shutdown();
  process.stdout.write(`${answer}\n`);
});
input.on("close", shutdown);

process.stdout.write(
  `${
    JSON.stringify({ host, port: boundPort, controlPort: control.address().port, rcvbuf: socket.getRecvBufferSize() })
  }\n`,
);
