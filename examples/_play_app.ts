/**
 * The part of the demo's app that is the same on every server API: what it
 * answers to a request, and a client that sends it a few requests and prints
 * the answers. `demo.ts`, `bun_serve.ts` and `node_http.ts` each keep their
 * server and their metrics in view and take only this from here.
 *
 * The app follows spectator-py's "complex" Flask example:
 * `GET /api/v1/play?country=foo&title=bar` plays a title, other methods on
 * that path get a 405, `/` gets the usage text, and any other path a 404.
 *
 * @module
 */

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

/**
 * Sends each request, in order, to the app at `base` and prints what it
 * answered, e.g. `POST /api/v1/play -> 405 unsupported request method`.
 *
 * @param base the app's address, e.g. `http://127.0.0.1:8080`
 * @param requests the method and path of each request
 */
export async function requestSelf(base: string, requests: [method: string, path: string][]): Promise<void> {
  for (const [method, path] of requests) {
    const response = await fetch(base + path, { method });
    console.log(`${method} ${path} -> ${response.status} ${await response.text()}`);
  }
}
