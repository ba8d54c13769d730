import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import {
  instrumentHandler,
  instrumentNodeRequest,
  ipcMiddleware,
  ipcRecorder,
  ipcResultForStatus,
  ipcStatusForHttpStatus,
  type NodeResponseLike,
} from "../ipc.ts";
import { detectRuntime } from "../mod.ts";
import { memoryRegistry } from "./helpers/memory.ts";

const runtime = detectRuntime();

/** A protocol line without its value (latencies vary). */
function withoutValue(line: string): string {
  return line.slice(0, line.lastIndexOf(":"));
}

function callLine(method: string, httpStatus: number, ipcStatus: string, endpoint?: string): string {
  const result = ipcStatus === "success" ? "success" : "failure";
  return `T:ipc.server.call,http.method=${method},http.status=${httpStatus},` +
    (endpoint === undefined ? "" : `ipc.endpoint=${endpoint},`) + `ipc.result=${result},ipc.status=${ipcStatus}`;
}

test("ipcStatusForHttpStatus() maps HTTP statuses to ipc.status and ipc.result", () => {
  const table: [number, string, string][] = [
    [200, "success", "success"],
    [204, "success", "success"],
    [301, "success", "success"],
    [304, "success", "success"],
    [400, "bad_request", "failure"],
    [401, "access_denied", "failure"],
    [403, "access_denied", "failure"],
    [404, "bad_request", "failure"],
    [405, "bad_request", "failure"],
    [407, "access_denied", "failure"],
    [408, "timeout", "failure"],
    [413, "bad_request", "failure"],
    [429, "throttled", "failure"],
    [499, "cancelled", "failure"],
    [500, "unexpected_error", "failure"],
    [502, "unexpected_error", "failure"],
    [503, "unavailable", "failure"],
    [504, "timeout", "failure"],
    [0, "unexpected_error", "failure"],
    [600, "unexpected_error", "failure"],
  ];
  for (const [http, status, result] of table) {
    assert.equal(ipcStatusForHttpStatus(http), status, `status ${http}`);
    assert.equal(ipcResultForStatus(ipcStatusForHttpStatus(http)), result, `result ${http}`);
  }
});

test("instrumentHandler() records ipc.server.call with the spec's tags and the inflight count", async () => {
  const { registry, writer } = memoryRegistry();
  const handler = instrumentHandler(registry, (request: Request) => {
    const path = new URL(request.url).pathname;
    return path === "/ok" ? new Response("ok") : new Response("no", { status: 404 });
  });
  const ok = await handler(new Request("http://localhost/ok"));
  assert.equal(await ok.text(), "ok");
  await handler(new Request("http://localhost/missing", { method: "POST", body: "x" }));
  await handler(new Request("http://localhost/ok", { method: "PROPFIND" }));
  assert.deepEqual(writer.get().map(withoutValue), [
    "D:ipc.server.inflight",
    callLine("GET", 200, "success"),
    "D:ipc.server.inflight",
    callLine("POST", 404, "bad_request"),
    "D:ipc.server.inflight",
    callLine("OTHER", 200, "success"),
  ]);
  assert.deepEqual(writer.get().filter((l) => l.startsWith("D:")), Array(3).fill("D:ipc.server.inflight:1"));
  const latency = Number(writer.get()[1].split(":").at(-1));
  assert.ok(latency >= 0 && latency < 5, `latency ${latency}`);
});

test("instrumentHandler() tags ipc.endpoint when the option names one", async () => {
  const { registry, writer } = memoryRegistry();
  const handler = instrumentHandler(registry, () => new Response(null, { status: 429 }), {
    endpoint: (request) => new URL(request.url).pathname.startsWith("/api/") ? "/api" : undefined,
  });
  await handler(new Request("http://localhost/api/v1/x"));
  await handler(new Request("http://localhost/other"));
  const throwing = instrumentHandler(registry, () => new Response("ok"), {
    endpoint: () => {
      throw new Error("bad endpoint function");
    },
  });
  await throwing(new Request("http://localhost/"));
  assert.deepEqual(writer.get().map(withoutValue), [
    "D:ipc.server.inflight,ipc.endpoint=_api", // tag values are sanitized to the Atlas character set
    callLine("GET", 429, "throttled", "_api"),
    "D:ipc.server.inflight",
    callLine("GET", 429, "throttled"),
    "D:ipc.server.inflight",
    callLine("GET", 200, "success"),
  ]);
});

test("instrumentHandler() counts concurrent requests in flight up and down", async () => {
  const { registry, writer } = memoryRegistry();
  const releases: (() => void)[] = [];
  const handler = instrumentHandler(registry, async (_request: Request) => {
    await new Promise<void>((resolve) => releases.push(resolve));
    return new Response("ok");
  });
  const first = handler(new Request("http://localhost/"));
  const second = handler(new Request("http://localhost/"));
  assert.deepEqual(writer.get(), ["D:ipc.server.inflight:1", "D:ipc.server.inflight:2"]);
  releases[0]();
  await first;
  releases[1]();
  await second;
  const third = handler(new Request("http://localhost/"));
  releases[2]();
  await third;
  assert.deepEqual(writer.get().filter((l) => l.startsWith("D:")), [
    "D:ipc.server.inflight:1",
    "D:ipc.server.inflight:2",
    "D:ipc.server.inflight:1",
  ]);
  assert.equal(writer.get().filter((l) => l.startsWith(callLine("GET", 200, "success") + ":")).length, 3);
});

test("instrumentHandler() records a thrown or rejected error as a 500 unexpected_error and rethrows it", async () => {
  const { registry, writer } = memoryRegistry();
  const boom = new Error("boom");
  const sync = instrumentHandler(registry, (): Response => {
    throw boom;
  });
  assert.throws(() => sync(new Request("http://localhost/", { method: "DELETE" })), boom);
  const async = instrumentHandler(registry, (): Promise<Response> => Promise.reject(boom));
  await assert.rejects(async(new Request("http://localhost/", { method: "put" })) as Promise<Response>, boom);
  assert.deepEqual(writer.get().map(withoutValue), [
    "D:ipc.server.inflight",
    callLine("DELETE", 500, "unexpected_error"),
    "D:ipc.server.inflight",
    callLine("PUT", 500, "unexpected_error"),
  ]);
  assert.deepEqual(writer.get().filter((l) => l.startsWith("D:")), Array(2).fill("D:ipc.server.inflight:1"));
});

test("instrumentHandler() passes extra arguments through and never throws when the registry is closed", async () => {
  const { registry, writer } = memoryRegistry();
  const handler = instrumentHandler(
    registry,
    (_request: Request, info: { remote: string }) => new Response(info.remote),
  );
  const response = await handler(new Request("http://localhost/"), { remote: "10.0.0.1" });
  assert.equal(await response.text(), "10.0.0.1");
  assert.equal(writer.get().length, 2);
  await registry.close();
  const after = await handler(new Request("http://localhost/"), { remote: "x" });
  assert.equal(after.status, 200);
});

/** A stand-in for a node:http ServerResponse. */
class FakeResponse implements NodeResponseLike {
  statusCode = 200;
  readonly #listeners = new Map<string, () => void>();
  once(event: "finish" | "close", listener: () => void): this {
    this.#listeners.set(event, listener);
    return this;
  }
  emit(event: "finish" | "close"): void {
    const listener = this.#listeners.get(event);
    this.#listeners.delete(event);
    listener?.();
  }
}

test("ipcRecorder() records node-style requests on finish, and a close before finish as cancelled", () => {
  const { registry, writer } = memoryRegistry();
  const record = ipcRecorder(registry, { endpoint: (request: { method?: string; url?: string }) => request.url });
  const a = new FakeResponse();
  const b = new FakeResponse();
  record({ method: "GET", url: "/a" }, a);
  record({ method: "get", url: "/b" }, b);
  a.statusCode = 201;
  a.emit("finish");
  a.emit("close");
  b.statusCode = 200;
  b.emit("close");
  const c = new FakeResponse();
  record({ method: "GET" }, c);
  c.statusCode = 503;
  c.emit("finish");
  assert.deepEqual(writer.get().map((line) => line.startsWith("D:") ? line : withoutValue(line)), [
    "D:ipc.server.inflight,ipc.endpoint=_a:1",
    "D:ipc.server.inflight,ipc.endpoint=_b:2",
    callLine("GET", 201, "success", "_a"),
    callLine("GET", 200, "cancelled", "_b"),
    "D:ipc.server.inflight:1",
    callLine("GET", 503, "unavailable"),
  ]);
});

test("ipcMiddleware() and instrumentNodeRequest() record and call next()", () => {
  const { registry, writer } = memoryRegistry();
  let nexts = 0;
  const middleware = ipcMiddleware(registry);
  const res = new FakeResponse();
  middleware({ method: "POST" }, res, () => nexts++);
  assert.equal(nexts, 1);
  res.statusCode = 400;
  res.emit("finish");
  const res2 = new FakeResponse();
  instrumentNodeRequest(registry, { method: "HEAD" }, res2);
  res2.emit("finish");
  assert.deepEqual(writer.get().map(withoutValue), [
    "D:ipc.server.inflight",
    callLine("POST", 400, "bad_request"),
    "D:ipc.server.inflight",
    callLine("HEAD", 200, "success"),
  ]);
});

/** The lines of three requests to a served app: /ok (200), /missing (404), and /boom (a thrown error, 500). */
const SERVED = [
  "D:ipc.server.inflight,ipc.endpoint=_ok:1",
  callLine("GET", 200, "success", "_ok"),
  "D:ipc.server.inflight,ipc.endpoint=_missing:1",
  callLine("GET", 404, "bad_request", "_missing"),
  "D:ipc.server.inflight,ipc.endpoint=_boom:1",
  callLine("POST", 500, "unexpected_error", "_boom"),
];

function app(request: Request): Response {
  const path = new URL(request.url).pathname;
  if (path === "/boom") throw new Error("boom");
  return path === "/ok" ? new Response("ok") : new Response("missing", { status: 404 });
}

const endpoint = (request: Request) => new URL(request.url).pathname;

async function requestAll(base: string): Promise<number[]> {
  const statuses: number[] = [];
  for (const [method, path] of [["GET", "/ok"], ["GET", "/missing"], ["POST", "/boom"]]) {
    const response = await fetch(base + path, { method });
    await response.body?.cancel();
    statuses.push(response.status);
  }
  return statuses;
}

function servedLines(lines: string[]): string[] {
  return lines.map((line) => line.startsWith("D:") ? line : withoutValue(line));
}

if (runtime === "deno") {
  test("instrumentHandler() on a real Deno.serve records each request", async () => {
    const { registry, writer } = memoryRegistry();
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {}, onError: () => new Response("error", { status: 500 }) },
      instrumentHandler(registry, app, { endpoint }),
    );
    try {
      assert.deepEqual(await requestAll(`http://127.0.0.1:${server.addr.port}`), [200, 404, 500]);
    } finally {
      await server.shutdown();
    }
    assert.deepEqual(servedLines(writer.get()), SERVED);
  });
}

if (runtime === "bun") {
  test("instrumentHandler() on a real Bun.serve records each request", async () => {
    const { registry, writer } = memoryRegistry();
    const bun = (globalThis as unknown as {
      Bun: {
        serve(options: object): { port: number; stop(force?: boolean): Promise<void> | void };
      };
    }).Bun;
    const server = bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: instrumentHandler(registry, app, { endpoint }),
      error: () => new Response("error", { status: 500 }),
    });
    try {
      assert.deepEqual(await requestAll(`http://127.0.0.1:${server.port}`), [200, 404, 500]);
    } finally {
      await server.stop(true);
    }
    assert.deepEqual(servedLines(writer.get()), SERVED);
  });
}

test("ipcRecorder() on a real node:http server records each request", async () => {
  const { registry, writer } = memoryRegistry();
  const record = ipcRecorder(registry, { endpoint: (request: { url?: string }) => request.url });
  const server = createServer((req, res) => {
    record(req, res);
    if (req.url === "/boom") {
      res.writeHead(500).end("boom");
    } else if (req.url === "/ok") {
      res.end("ok");
    } else {
      res.writeHead(404).end("missing");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    assert.deepEqual(await requestAll(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), [200, 404, 500]);
    // 'finish' may fire after the client has its response
    for (let i = 0; i < 100 && writer.get().length < SERVED.length; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(resolve));
  }
  assert.deepEqual(servedLines(writer.get()), SERVED);
});
