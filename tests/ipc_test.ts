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
import { memoryRegistry } from "./helpers/memory.ts";
import { platform } from "../src/_platform.ts";

const runtime = platform().runtime;

/** A protocol line without its value (latencies vary). */
function withoutValue(line: string): string {
  return line.slice(0, line.lastIndexOf(":"));
}

/** An `ipc.server.call` line without its value. */
function callLine(
  method: string,
  httpStatus: number,
  ipcStatus: string,
  { endpoint = "unknown", detail, owner = "spectator" }: { endpoint?: string; detail?: string; owner?: string } = {},
): string {
  const result = ipcStatus === "success" ? "success" : "failure";
  return `T:ipc.server.call,http.method=${method},http.status=${httpStatus},ipc.endpoint=${endpoint},` +
    `ipc.result=${result},ipc.status=${ipcStatus},` + (detail === undefined ? "" : `ipc.status.detail=${detail},`) +
    `owner=${owner}`;
}

/** An `ipc.server.inflight` line: a plain distribution summary tagged only with the owner. */
function inflightLine(count: number, owner = "spectator"): string {
  return `d:ipc.server.inflight,owner=${owner}:${count}`;
}

test("ipcStatusForHttpStatus() maps HTTP statuses as Java's default IpcStatus.forHttpStatus does", () => {
  // Expected values from Netflix/spectator spectator-ext-ipc IpcStatus.java: forHttpStatus maps 503 as 429,
  // then forHttpStatusStandard's table (404 success; 401, 402, 403, 407, 511 access_denied; 405, 406
  // bad_request; 408 timeout; 429 throttled) and its ranges (<100 and >=500 unexpected_error, <400 success,
  // other 4xx bad_request); IpcStatus.result() is success only for success.
  const table: [number, string, string][] = [
    [0, "unexpected_error", "failure"],
    [99, "unexpected_error", "failure"],
    [100, "success", "success"],
    [200, "success", "success"],
    [204, "success", "success"],
    [301, "success", "success"],
    [304, "success", "success"],
    [400, "bad_request", "failure"],
    [401, "access_denied", "failure"],
    [402, "access_denied", "failure"],
    [403, "access_denied", "failure"],
    [404, "success", "success"],
    [405, "bad_request", "failure"],
    [406, "bad_request", "failure"],
    [407, "access_denied", "failure"],
    [408, "timeout", "failure"],
    [413, "bad_request", "failure"],
    [429, "throttled", "failure"],
    [499, "bad_request", "failure"],
    [500, "unexpected_error", "failure"],
    [502, "unexpected_error", "failure"],
    [503, "throttled", "failure"],
    [504, "unexpected_error", "failure"],
    [511, "access_denied", "failure"],
    [600, "unexpected_error", "failure"],
  ];
  for (const [http, status, result] of table) {
    assert.equal(ipcStatusForHttpStatus(http), status, `status ${http}`);
    assert.equal(ipcResultForStatus(ipcStatusForHttpStatus(http)), result, `result ${http}`);
  }
});

test("instrumentHandler() records ipc.server.call with owner, method, status and endpoint tags as Java does", async () => {
  const { registry, writer } = memoryRegistry();
  const handler = instrumentHandler(registry, (request: Request) => {
    const path = new URL(request.url).pathname;
    return path === "/ok" ? new Response("ok") : new Response("no", { status: 503 });
  });
  const ok = await handler(new Request("http://localhost/ok"));
  assert.equal(await ok.text(), "ok");
  await handler(new Request("http://localhost/busy", { method: "POST", body: "x" }));
  await handler(new Request("http://localhost/ok", { method: "PROPFIND" }));
  await handler(new Request("http://localhost/ok", { method: "HEAD" }));
  assert.deepEqual(writer.get().map((line) => line.startsWith("d:") ? line : withoutValue(line)), [
    inflightLine(1),
    callLine("get", 200, "success"),
    inflightLine(1),
    callLine("post", 503, "throttled"),
    inflightLine(1),
    callLine("unknown", 200, "success"), // IpcMethod has no propfind
    inflightLine(1),
    callLine("unknown", 200, "success"), // nor head
  ]);
  const latency = Number(writer.get()[1].split(":").at(-1));
  assert.ok(latency >= 0 && latency < 5, `latency ${latency}`);
});

test("instrumentHandler() tags the named ipc.endpoint, else unknown", async () => {
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
  assert.deepEqual(writer.get().filter((line) => line.startsWith("T:")).map(withoutValue), [
    callLine("get", 429, "throttled", { endpoint: "_api" }), // tag values are sanitized to the Atlas character set
    callLine("get", 429, "throttled"),
    callLine("get", 200, "success"),
  ]);
});

test("instrumentHandler() keeps 25 distinct ipc.endpoint values per registry and writes later ones --others--", async () => {
  const { registry, writer } = memoryRegistry();
  const handler = instrumentHandler(registry, () => new Response("ok"), {
    endpoint: (request) => new URL(request.url).pathname.slice(1),
  });
  for (let i = 0; i < 24; i++) await handler(new Request(`http://localhost/e${i}`));
  const other = instrumentHandler(registry, () => new Response("ok")); // "unknown" takes the 25th place
  await other(new Request("http://localhost/"));
  await handler(new Request("http://localhost/late"));
  await handler(new Request("http://localhost/e0"));
  const endpoints = writer.get().filter((line) => line.startsWith("T:")).map((line) =>
    /ipc\.endpoint=([^,]*)/.exec(line)?.[1]
  );
  assert.deepEqual(endpoints.slice(-3), ["unknown", "--others--", "e0"]);
  assert.equal(new Set(endpoints).size, 26);
});

/** A handler whose responses wait until the test releases them, in arrival order. */
function waitingHandler(): { releases: (() => void)[]; wait: (request: Request) => Promise<Response> } {
  const releases: (() => void)[] = [];
  const wait = async (_request: Request) => {
    await new Promise<void>((resolve) => releases.push(resolve));
    return new Response("ok");
  };
  return { releases, wait };
}

test("instrumentHandler() takes the owner option, counts in flight per owner and refuses an empty owner", async () => {
  const { registry, writer } = memoryRegistry();
  const { releases, wait } = waitingHandler();
  const mine = instrumentHandler(registry, wait, { owner: "my-lib" });
  const theirs = instrumentHandler(registry, wait);
  const first = mine(new Request("http://localhost/"));
  const second = theirs(new Request("http://localhost/"));
  assert.deepEqual(writer.get(), [inflightLine(1, "my-lib"), inflightLine(1)]);
  releases.forEach((release) => release());
  await Promise.all([first, second]);
  assert.equal(withoutValue(writer.get()[2]), callLine("get", 200, "success", { owner: "my-lib" }));
  assert.throws(() => instrumentHandler(registry, wait, { owner: "" }), TypeError);
  assert.throws(() => ipcRecorder(registry, { owner: 7 as unknown as string }), TypeError);
});

test("instrumentHandler() counts concurrent requests in flight up and down, shared by the registry's handlers", async () => {
  const { registry, writer } = memoryRegistry();
  const { releases, wait } = waitingHandler();
  const handler = instrumentHandler(registry, wait);
  const another = instrumentHandler(registry, wait);
  const first = handler(new Request("http://localhost/"));
  const second = another(new Request("http://localhost/"));
  assert.deepEqual(writer.get(), [inflightLine(1), inflightLine(2)]);
  releases[0]();
  await first;
  releases[1]();
  await second;
  const third = handler(new Request("http://localhost/"));
  releases[2]();
  await third;
  assert.deepEqual(writer.get().filter((l) => l.startsWith("d:")), [inflightLine(1), inflightLine(2), inflightLine(1)]);
  assert.equal(writer.get().filter((l) => l.startsWith(callLine("get", 200, "success") + ":")).length, 3);
  const { registry: other, writer: otherWriter } = memoryRegistry();
  await instrumentHandler(other, () => new Response("ok"))(new Request("http://localhost/"));
  assert.equal(otherWriter.get()[0], inflightLine(1), "each registry counts its own requests");
});

test("instrumentHandler() records a thrown or rejected error as a 500 unexpected_error with its class, and rethrows it", async () => {
  const { registry, writer } = memoryRegistry();
  const boom = new TypeError("boom");
  const sync = instrumentHandler(registry, (): Response => {
    throw boom;
  });
  assert.throws(() => sync(new Request("http://localhost/", { method: "DELETE" })), boom);
  const async = instrumentHandler(registry, (): Promise<Response> => Promise.reject(boom));
  await assert.rejects(async(new Request("http://localhost/", { method: "put" })) as Promise<Response>, boom);
  const odd = instrumentHandler(registry, (): Promise<Response> => Promise.reject("not an error"));
  await assert.rejects(odd(new Request("http://localhost/")) as Promise<Response>);
  assert.deepEqual(writer.get().filter((line) => line.startsWith("T:")).map(withoutValue), [
    callLine("delete", 500, "unexpected_error", { detail: "TypeError" }),
    callLine("put", 500, "unexpected_error", { detail: "TypeError" }),
    callLine("get", 500, "unexpected_error"),
  ]);
});

test("instrumentHandler() records a request whose signal aborted before the handler settled as cancelled", async () => {
  const { registry, writer } = memoryRegistry();
  const client = new AbortController();
  let release = () => {};
  const handler = instrumentHandler(registry, async (request: Request) => {
    await new Promise<void>((resolve) => (release = resolve));
    if (request.url.endsWith("/fail")) throw new Error("gave up");
    return new Response("late");
  });
  const pending = handler(new Request("http://localhost/", { signal: client.signal }));
  client.abort();
  release();
  assert.equal((await pending).status, 200); // the handler's response still goes back to the server
  const failing = handler(new Request("http://localhost/fail", { signal: AbortSignal.abort() }));
  release();
  await assert.rejects(failing as Promise<Response>);
  const pendingOk = handler(new Request("http://localhost/", { signal: new AbortController().signal }));
  release();
  await pendingOk;
  assert.deepEqual(writer.get().filter((line) => line.startsWith("T:")).map(withoutValue), [
    callLine("get", -1, "cancelled"),
    callLine("get", -1, "cancelled"),
    callLine("get", 200, "success"),
  ]);
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
  headersSent = false;
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
  const c = new FakeResponse();
  record({ method: "GET", url: "/a" }, a);
  record({ method: "get", url: "/b" }, b);
  record({ method: "POST", url: "/c" }, c);
  a.statusCode = 201;
  a.emit("finish");
  a.emit("close");
  b.emit("close"); // nothing was sent: no status
  c.statusCode = 206;
  c.headersSent = true;
  c.emit("close"); // the status line went out before the client left
  const d = new FakeResponse();
  record({ method: "GET" }, d);
  d.statusCode = 503;
  d.emit("finish");
  assert.deepEqual(writer.get().map((line) => line.startsWith("d:") ? line : withoutValue(line)), [
    inflightLine(1),
    inflightLine(2),
    inflightLine(3),
    callLine("get", 201, "success", { endpoint: "_a" }),
    callLine("get", -1, "cancelled", { endpoint: "_b" }),
    callLine("post", 206, "cancelled", { endpoint: "_c" }),
    inflightLine(1),
    callLine("get", 503, "throttled"),
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
  instrumentNodeRequest(registry, { method: "PATCH" }, res2);
  res2.emit("finish");
  assert.deepEqual(writer.get().map((line) => line.startsWith("d:") ? line : withoutValue(line)), [
    inflightLine(1),
    callLine("post", 400, "bad_request"),
    inflightLine(1),
    callLine("patch", 200, "success"),
  ]);
});

test("instrumentNodeRequest() shares the registry's in-flight count across calls and never throws", () => {
  const { registry, writer } = memoryRegistry();
  const first = new FakeResponse();
  const second = new FakeResponse();
  instrumentNodeRequest(registry, { method: "GET" }, first);
  instrumentNodeRequest(registry, { method: "GET" }, second);
  first.emit("finish");
  second.emit("finish");
  const third = new FakeResponse();
  instrumentHandler(registry, () => new Response("ok")); // another entry point on the same registry
  instrumentNodeRequest(registry, { method: "GET" }, third);
  assert.deepEqual(writer.get().filter((line) => line.startsWith("d:")), [
    inflightLine(1),
    inflightLine(2),
    inflightLine(1),
  ]);
  instrumentNodeRequest(registry, { method: "GET" }, new FakeResponse(), { owner: "" });
  instrumentNodeRequest(registry, { method: "GET" }, null as unknown as NodeResponseLike);
});

/** The lines of three requests to a served app: /ok (200), /missing (404), and /boom (500, from a thrown error on fetch servers). */
const served = (boomDetail?: string) => [
  inflightLine(1),
  callLine("get", 200, "success", { endpoint: "_ok" }),
  inflightLine(1),
  callLine("get", 404, "success", { endpoint: "_missing" }),
  inflightLine(1),
  callLine("post", 500, "unexpected_error", { endpoint: "_boom", detail: boomDetail }),
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
  return lines.map((line) => line.startsWith("d:") ? line : withoutValue(line));
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
    assert.deepEqual(servedLines(writer.get()), served("Error"));
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
    assert.deepEqual(servedLines(writer.get()), served("Error"));
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
    for (let i = 0; i < 100 && writer.get().length < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(resolve));
  }
  assert.deepEqual(servedLines(writer.get()), served());
});
