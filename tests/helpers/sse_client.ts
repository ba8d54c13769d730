/**
 * A client of a server-sent event stream over `node:http`, for tests: it
 * collects the events as they arrive and waits for the next one of a name.
 *
 * @module
 */

import { get, type IncomingMessage } from "node:http";

/** One event as received. */
export interface SseEvent {
  /** The event's name (`message` when the stream gave none). */
  event: string;
  /** The event's data, parsed as JSON. */
  data: unknown;
}

/** An open event stream; see {@linkcode openEventStream}. */
export interface EventStream {
  /** The response's status code. */
  readonly status: number;
  /** The response's headers. */
  readonly headers: IncomingMessage["headers"];
  /** Every event received so far. */
  readonly events: readonly SseEvent[];
  /** Whether the server ended the stream. */
  readonly ended: boolean;
  /** Resolves with the next event named `event` not yet taken; rejects after `timeoutMs`. */
  next(event: string, timeoutMs?: number): Promise<SseEvent>;
  /** Resolves once the server has ended the stream; rejects after `timeoutMs`. */
  end(timeoutMs?: number): Promise<void>;
  /** Drops the connection, as a closed browser tab does. */
  destroy(): void;
}

/**
 * Opens `url` as an event stream.
 *
 * @param url e.g. `http://127.0.0.1:1235/events`
 * @returns the stream, once the response's headers arrived
 */
export function openEventStream(url: string): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent: false }, (response) => {
      const events: SseEvent[] = [];
      let taken = 0;
      let ended = false;
      let buffer = "";
      const wake = new Set<() => void>();
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        buffer += chunk;
        let blank;
        while ((blank = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, blank);
          buffer = buffer.slice(blank + 2);
          let event = "message";
          const data: string[] = [];
          for (const line of block.split("\n")) {
            if (line.startsWith("event: ")) event = line.slice(7);
            else if (line.startsWith("data: ")) data.push(line.slice(6));
          }
          if (data.length > 0) events.push({ event, data: JSON.parse(data.join("\n")) });
        }
        for (const w of wake) w();
      });
      const finish = () => {
        ended = true;
        for (const w of wake) w();
      };
      response.on("end", finish);
      response.on("close", finish);
      response.on("error", finish);
      const waitFor = <T>(found: () => T | undefined, what: string, timeoutMs: number) =>
        new Promise<T>((resolve, reject) => {
          const check = () => {
            const value = found();
            if (value === undefined) return;
            clearTimeout(timer);
            wake.delete(check);
            resolve(value);
          };
          const timer = setTimeout(() => {
            wake.delete(check);
            reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
          }, timeoutMs);
          wake.add(check);
          check();
        });
      resolve({
        status: response.statusCode ?? 0,
        headers: response.headers,
        events,
        get ended() {
          return ended;
        },
        next(event, timeoutMs = 2000) {
          return waitFor(
            () => {
              const index = events.findIndex((e, i) => i >= taken && e.event === event);
              if (index < 0) return undefined;
              taken = index + 1;
              return events[index];
            },
            `the event ${event}`,
            timeoutMs,
          );
        },
        end(timeoutMs = 2000) {
          return waitFor(() => ended ? true : undefined, "the end of the stream", timeoutMs).then(() => {});
        },
        destroy() {
          request.destroy();
        },
      });
    });
    request.on("error", reject);
  });
}
