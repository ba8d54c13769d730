// @ts-check
/// <reference lib="dom" />
// The live view's page script: follows the agent's /events stream and draws
// each meter's recent history as SVG sparklines. Every text from the agent
// goes into the page through textContent or setAttribute, never as markup.
// The server computes every point (src/cli/ui/_history.ts); this script only
// appends them, trims to the limits it was given and draws.

/**
 * @typedef {number | string | null} Point
 * @typedef {{ key: string, symbol: string, name: string, tags: Record<string, string>,
 *   kind: string, labels: string[], series: Point[][] }} Meter
 * @typedef {{ line: string, problem: string, times: number, lastSeen: number }} Line
 * @typedef {{ id: string, problems: string[], lastSeen: number }} Id
 * @typedef {{ ids: number, time: number }} LeftOut
 * @typedef {{ rejectedLines: Line[], warnedLines: Line[], rejectedIds: Id[] }} Rejections
 * @typedef {Rejections & { limits: { maxMeters: number, maxIntervals: number, maxRejections: number },
 *   times: number[], lines: number[], meters: Meter[], leftOut: LeftOut | null,
 *   agent: { locations: string[], intervalMs?: number } }} Snapshot
 * @typedef {Rejections & { time: number, lines: number, added: Meter[], removed: string[],
 *   points: Record<string, Point[]>, leftOut: LeftOut | null }} Interval
 * @typedef {{ meter: Meter, card: HTMLElement, rows: { path: SVGPathElement, latest: HTMLElement,
 *   min: HTMLElement, max: HTMLElement }[] }} Shown
 */

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 200;
const HEIGHT = 40;

/** What each protocol symbol is called. */
const METER_TYPES = /** @type {Record<string, string>} */ ({
  c: "counter",
  C: "monotonic counter",
  U: "monotonic counter (uint64)",
  X: "sampled monotonic counter",
  g: "gauge",
  m: "max gauge",
  A: "age gauge",
  t: "timer",
  T: "percentile timer",
  d: "distribution summary",
  D: "percentile distribution summary",
});

const state = {
  limits: { maxMeters: 0, maxIntervals: 0, maxRejections: 0 },
  /** @type {number[]} */
  times: [],
  /** @type {number[]} */
  lines: [],
  /** @type {Map<string, Shown>} */
  meters: new Map(),
  /** @type {string[]} */
  terms: [],
  stopped: false,
};

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
function byId(id) {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the page has no #${id}`);
  return element;
}

/**
 * Makes an element with the given class and text.
 *
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string} [className]
 * @param {string} [text]
 * @returns {HTMLElementTagNameMap[K]}
 */
function element(tag, className, text) {
  const made = document.createElement(tag);
  if (className !== undefined) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}

/**
 * A number for people: integers whole, others to four significant digits
 * (three in exponent notation, for the very small and the very large).
 *
 * @param {Point | undefined} value
 * @returns {string}
 */
function formatPoint(value) {
  if (value === null || value === undefined) return "–";
  if (typeof value === "string") return value;
  const magnitude = Math.abs(value);
  if (Number.isInteger(value) && magnitude < 1e15) return String(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e15)) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

/**
 * @param {number} time epoch milliseconds
 * @returns {string}
 */
function formatTime(time) {
  return new Date(time).toLocaleTimeString();
}

/**
 * Shows control characters of a received line as escapes, so they are seen.
 *
 * @param {string} text
 * @returns {string}
 */
function visible(text) {
  return text.replace(/\p{Cc}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * @param {string} kind
 * @param {string} [text]
 */
function setStatus(kind, text) {
  const status = byId("status");
  status.dataset.state = kind;
  status.textContent = text ?? "";
}

/**
 * @param {unknown[]} array
 * @param {unknown} item
 */
function pushBounded(array, item) {
  array.push(item);
  if (array.length > state.limits.maxIntervals) array.splice(0, array.length - state.limits.maxIntervals);
}

/**
 * Draws a sparkline of `points` into `path`, the newest at the right edge;
 * `slots` is the number of intervals the charts span. Gaps stay gaps; a lone
 * point is a dot.
 *
 * @param {SVGPathElement} path
 * @param {Point[]} points
 * @param {number} slots
 * @returns {{ min: number, max: number } | undefined} the range drawn, or nothing when there is no number
 */
function drawSparkline(path, points, slots) {
  const numbers = /** @type {number[]} */ (points.filter((p) => typeof p === "number"));
  if (numbers.length === 0) {
    path.setAttribute("d", "");
    return undefined;
  }
  const min = Math.min(...numbers);
  const max = Math.max(...numbers);
  const offset = slots - points.length;
  const x = (/** @type {number} */ i) => slots <= 1 ? WIDTH : ((offset + i) / (slots - 1)) * WIDTH;
  const y = (/** @type {number} */ v) =>
    max === min ? HEIGHT / 2 : HEIGHT - 2 - ((v - min) / (max - min)) * (HEIGHT - 4);
  let d = "";
  let drawing = false;
  points.forEach((p, i) => {
    if (typeof p !== "number") {
      drawing = false;
      return;
    }
    const next = typeof points[i + 1] === "number";
    if (!drawing) d += `M${x(i).toFixed(1)} ${y(p).toFixed(1)}${next ? "" : "h0"}`;
    else d += `L${x(i).toFixed(1)} ${y(p).toFixed(1)}`;
    drawing = true;
  });
  path.setAttribute("d", d);
  return { min, max };
}

/**
 * Makes the card of a meter: its type, name, tags and one row per series.
 *
 * @param {Meter} meter
 * @returns {Shown}
 */
function makeCard(meter) {
  const card = element("article", "meter");
  card.dataset.key = meter.key;
  const heading = element("header");
  heading.append(
    element("span", "symbol", meter.symbol),
    element("h3", "name", meter.name),
    element("span", "type", METER_TYPES[meter.symbol] ?? ""),
  );
  card.append(heading);
  const tags = element("ul", "tags");
  for (const [key, value] of Object.entries(meter.tags)) tags.append(element("li", undefined, `${key}=${value}`));
  card.append(tags);
  const rows = meter.labels.map((label) => {
    const row = element("div", "series");
    row.dataset.label = label;
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
    svg.setAttribute("preserveAspectRatio", "none");
    svg.setAttribute("aria-hidden", "true");
    const path = document.createElementNS(SVG, "path");
    svg.append(path);
    const range = element("span", "range");
    const max = element("span", "max");
    const min = element("span", "min");
    range.append(max, min);
    const latest = element("span", "latest");
    row.append(element("span", "label", label), svg, range, latest);
    card.append(row);
    return { path, latest, min, max };
  });
  return { meter, card, rows };
}

/** @param {Shown} shown */
function drawCard({ meter, rows }) {
  meter.series.forEach((points, i) => {
    const { path, latest, min, max } = rows[i];
    const range = drawSparkline(path, points, state.times.length);
    const newest = points[points.length - 1];
    latest.textContent = formatPoint(newest);
    latest.title = newest === null ? "nothing published in the last interval" : String(newest);
    max.textContent = range === undefined ? "" : `max ${formatPoint(range.max)}`;
    min.textContent = range === undefined ? "" : `min ${formatPoint(range.min)}`;
  });
}

/**
 * Whether a meter matches every filter term: `key=value` matches a tag whose
 * key is `key` and whose value contains `value`; another term matches the
 * name, a tag key or a tag value containing it. Case is ignored.
 *
 * @param {Meter} meter
 * @returns {boolean}
 */
function matches(meter) {
  const tags = Object.entries(meter.tags).map(([k, v]) => [k.toLowerCase(), v.toLowerCase()]);
  return state.terms.every((term) => {
    const equals = term.indexOf("=");
    if (equals > 0) {
      const key = term.slice(0, equals);
      const value = term.slice(equals + 1);
      return tags.some(([k, v]) => k === key && v.includes(value));
    }
    return meter.name.toLowerCase().includes(term) || tags.some(([k, v]) => k.includes(term) || v.includes(term));
  });
}

/** Shows the cards that match the filter, in the order of their keys, and says how many. */
function layOut() {
  const container = byId("meters");
  const keys = [...state.meters.keys()].sort();
  let shown = 0;
  for (const key of keys) {
    const { meter, card } = /** @type {Shown} */ (state.meters.get(key));
    card.hidden = !matches(meter);
    if (!card.hidden) shown++;
    container.append(card); // moves it into place
  }
  byId("shown").textContent = `${shown} of ${keys.length} meters shown`;
  const empty = byId("empty");
  empty.hidden = keys.length > 0;
}

/** Redraws every card and the notes about the time span. */
function drawAll() {
  for (const shown of state.meters.values()) drawCard(shown);
  const { times } = state;
  byId("span").textContent = times.length === 0
    ? "No interval published yet."
    : `Charts: ${formatTime(times[0])} to ${formatTime(times[times.length - 1])}, one point per interval; ` +
      `${state.lines[state.lines.length - 1]} lines in the last interval.`;
}

/**
 * Fills a table's body with one row per item.
 *
 * @template T
 * @param {string} id the table's id; `<id>-count` shows the number of rows
 * @param {T[]} items
 * @param {(item: T) => string[]} cells the text of each cell; the first is shown as code
 */
function fillTable(id, items, cells) {
  const body = /** @type {HTMLTableSectionElement} */ (byId(id).querySelector("tbody"));
  body.replaceChildren(
    ...items.map((item) => {
      const row = element("tr");
      cells(item).forEach((text, i) => {
        const cell = element("td");
        cell.append(i === 0 ? element("code", undefined, text) : document.createTextNode(text));
        row.append(cell);
      });
      return row;
    }),
  );
  byId(`${id}-count`).textContent = `(${items.length})`;
}

/** @param {Rejections} rejections */
function showRejections({ rejectedLines, warnedLines, rejectedIds }) {
  /** @param {Line} line */
  const lineCells = (line) => [visible(line.line), line.problem, String(line.times), formatTime(line.lastSeen)];
  fillTable("rejected-lines", rejectedLines, lineCells);
  fillTable("warned-lines", warnedLines, lineCells);
  fillTable("rejected-ids", rejectedIds, (id) => [id.id, id.problems.join("; "), formatTime(id.lastSeen)]);
}

/** @param {LeftOut | null} leftOut */
function showLeftOut(leftOut) {
  const warning = byId("left-out");
  warning.hidden = leftOut === null;
  if (leftOut === null) return;
  warning.textContent = `The view is full: ${leftOut.ids} ${leftOut.ids === 1 ? "id" : "ids"} left out of the ` +
    `interval ending ${formatTime(leftOut.time)}, past the cap of ${state.limits.maxMeters} meters.`;
}

/** @param {Snapshot} snapshot */
function applySnapshot(snapshot) {
  state.limits = snapshot.limits;
  state.times = snapshot.times;
  state.lines = snapshot.lines;
  for (const { card } of state.meters.values()) card.remove();
  state.meters = new Map(snapshot.meters.map((meter) => [meter.key, makeCard(meter)]));
  const { maxMeters, maxIntervals, maxRejections } = snapshot.limits;
  const interval = snapshot.agent.intervalMs;
  byId("agent").textContent = `Listening on ${snapshot.agent.locations.join(" and ") || "?"}` +
    (interval === undefined ? "." : `, publishing every ${interval / 1000} s.`);
  byId("limits").textContent = `This view keeps at most ${maxMeters} meters (distinct ids) and the last ` +
    `${maxIntervals} intervals of each; ids past ${maxMeters} are left out (and counted), and a meter that publishes ` +
    `nothing for ${maxIntervals} intervals makes room. The lists below keep the latest ${maxRejections} of each.`;
  byId("empty").textContent = `Nothing published yet: point a registry at ${
    snapshot.agent.locations[0] ?? "the agent"
  }.`;
  showLeftOut(snapshot.leftOut);
  showRejections(snapshot);
  layOut();
  drawAll();
}

/** @param {Interval} interval */
function applyInterval(interval) {
  pushBounded(state.times, interval.time);
  pushBounded(state.lines, interval.lines);
  for (const key of interval.removed) {
    state.meters.get(key)?.card.remove();
    state.meters.delete(key);
  }
  for (const [key, points] of Object.entries(interval.points)) {
    const shown = state.meters.get(key);
    if (shown !== undefined) points.forEach((p, i) => pushBounded(shown.meter.series[i], p));
  }
  for (const meter of interval.added) state.meters.set(meter.key, makeCard(meter));
  showLeftOut(interval.leftOut);
  showRejections(interval);
  if (interval.added.length > 0 || interval.removed.length > 0) layOut();
  drawAll();
}

/** Follows the agent's events until it stops. */
function follow() {
  const events = new EventSource("events");
  events.addEventListener("open", () => setStatus("live", "Live: following the agent."));
  events.addEventListener("snapshot", (event) => applySnapshot(JSON.parse(event.data)));
  events.addEventListener("interval", (event) => {
    applyInterval(JSON.parse(event.data));
    setStatus("live", `Live: last interval published at ${formatTime(state.times[state.times.length - 1])}.`);
  });
  events.addEventListener("stopped", (event) => {
    state.stopped = true;
    events.close();
    setStatus(
      "stopped",
      `The agent stopped at ${formatTime(JSON.parse(event.data).time)}: the charts show its last data.`,
    );
  });
  events.addEventListener("error", () => {
    if (state.stopped) return;
    if (events.readyState === EventSource.CLOSED) {
      setStatus("lost", "The agent is gone (it stopped or refused this page): reload to try again.");
    } else {
      setStatus("lost", "Lost the connection to the agent (it may have stopped): retrying…");
    }
  });
}

const filter = /** @type {HTMLInputElement} */ (byId("filter"));
/** Reads the filter's terms and shows the meters that match. */
function applyFilter() {
  state.terms = filter.value.toLowerCase().split(/\s+/).filter((term) => term !== "");
  layOut();
}
filter.addEventListener("input", applyFilter);
applyFilter(); // a reloaded page may keep what was typed
follow();
