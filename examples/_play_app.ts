/**
 * The part of the demo's app that is the same on every server API: what it
 * answers to a request, and a client that sends it a few requests and prints
 * the answers, and the brief run of a `node:http` server (serve, or answer a
 * few self-requests and stop). The examples keep their server and their
 * metrics in view and take only this from here.
 *
 * The app follows spectator-py's "complex" Flask example:
 * `GET /api/v1/play?country=foo&title=bar` plays a title, other methods on
 * that path get a 405, `/` gets the usage text, and any other path a 404.
 *
 * @module
 */

import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import process from "node:process";

/** The app's answer to one request. */
export interface PlayAnswer {
  /** The HTTP status. */
  status: number;
  /** The response body, plain text. */
  body: string;
  /**
   * Tags for the request counter besides `status`: the country and title of
   * a play. They come from the request, as in spectator-py's example; a real
   * service should bound them (every distinct value is a new time series).
   */
  tags: Record<string, string>;
}

const USAGE = "Usage: /api/v1/play?country=foo&title=bar";

/**
 * The demo's requests (method and path): some plays, a POST (405), unknown
 * paths (404), and a title too long for Atlas.
 */
export const DEMO_REQUESTS: [method: string, path: string][] = [
  ["GET", "/api/v1/play?country=us&title=Stranger%20Things"],
  ["GET", "/api/v1/play?country=br&title=Narcos"],
  ["GET", "/api/v1/play?country=us&title=Stranger%20Things"],
  ["GET", "/api/v1/play"],
  ["POST", "/api/v1/play"],
  ["GET", "/api/v2/play?country=fr"],
  ["GET", "/favicon.ico"],
  ["GET", `/api/v1/play?country=de&title=${"Das%20Boot%20".repeat(14)}`],
];

/**
 * Answers a request to the app.
 *
 * @param method the request's method, e.g. `GET`
 * @param url the request's URL; only its path and query matter
 * @returns the status, body and counter tags
 */
export function answer(method: string, url: URL): PlayAnswer {
  if (url.pathname === "/api/v1/play" && method === "GET") {
    const country = url.searchParams.get("country") ?? "none";
    const title = url.searchParams.get("title") ?? "none";
    return { status: 200, body: `requested play for country=${country} title=${title}`, tags: { country, title } };
  }
  if (url.pathname === "/api/v1/play") return { status: 405, body: "unsupported request method", tags: {} };
  return { status: url.pathname === "/" ? 200 : 404, body: USAGE, tags: {} };
}

/** Shortens text for one line of output: at most `max` characters, the rest shown as `...`. */
function shorten(text: string, max = 100): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/**
 * Sends each request, in order, to the app at `base` and prints what it
 * answered, e.g. `POST /api/v1/play -> 405 unsupported request method`
 * (long paths and answers shortened).
 *
 * @param base the app's address, e.g. `http://127.0.0.1:8080`
 * @param requests the method and path of each request
 */
export async function requestSelf(base: string, requests: [method: string, path: string][]): Promise<void> {
  for (const [method, path] of requests) {
    const response = await fetch(base + path, { method });
    console.log(`${method} ${shorten(path)} -> ${response.status} ${shorten(await response.text())}`);
  }
}

/**
 * Runs a `node:http` server (also Express's) the way the examples do: with
 * `--serve` it keeps serving; otherwise it sends itself `requests`, then
 * closes the server and the registry (which delivers what was written).
 *
 * @param server a server that is listening, or about to, on an ephemeral port
 * @param registry closed after the self-requests
 * @param requests the method and path of each self-request
 */
export async function runBriefly(
  server: Server,
  registry: { close(): Promise<void> },
  requests: [method: string, path: string][],
): Promise<void> {
  if (!server.listening) await new Promise<void>((resolve) => server.once("listening", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  if (process.argv.includes("--serve")) {
    console.log(`listening on ${base}/api/v1/play?country=foo&title=bar (Ctrl-C to stop)`);
    return;
  }
  await requestSelf(base, requests);
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await registry.close(); // delivers what was written, then releases the socket
}
