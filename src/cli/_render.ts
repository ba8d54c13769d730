/**
 * Rendering what the local agent stand-in prints: an interval's report as a
 * plain-text table for people or one JSON line for programs, and each
 * datagram's lines as they arrive (`--lines`).
 *
 * @module
 */

import type { IntervalReport, MeterSnapshot } from "./agent_aggregator.ts";

/** The ANSI sequence that clears the screen and moves the cursor home. */
export const CLEAR_SCREEN = "\x1b[2J\x1b[H";

/**
 * Renders a report as one line of JSON (non-finite numbers become strings
 * such as `"Infinity"`, since JSON has no spelling for them).
 *
 * @param report the interval's report
 * @returns the JSON text, without a newline
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { AgentAggregator } from "./agent_aggregator.ts";
 * import { renderJson } from "./_render.ts";
 *
 * const aggregator = new AgentAggregator();
 * aggregator.addLine("g:queue:Infinity");
 * strictEqual(JSON.parse(renderJson(aggregator.publish())).meters["g:queue"].value, "Infinity");
 * ```
 */
export function renderJson(report: IntervalReport): string {
  return JSON.stringify(
    report,
    (_key, value) => typeof value === "number" && !Number.isFinite(value) ? String(value) : value,
  );
}

function formatNumber(n: number | undefined): string {
  if (n === undefined) return "";
  if (!Number.isFinite(n)) return String(n);
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6)));
}

/** The widest a column of the table gets. */
const MAX_COLUMN = 80;

function idText(meter: MeterSnapshot): string {
  return [meter.name, ...Object.entries(meter.tags).map(([k, v]) => `${k}=${v}`)].join(",");
}

/**
 * Renders a report as a plain-text table: one row per meter, then the lines
 * SpectatorD would reject or warn about and the ids Atlas would reject.
 *
 * @param report the interval's report
 * @returns the text, ending with a newline
 *
 * @example
 * ```ts
 * import { match } from "node:assert/strict";
 * import { AgentAggregator } from "./agent_aggregator.ts";
 * import { renderTable } from "./_render.ts";
 *
 * const aggregator = new AgentAggregator();
 * aggregator.addDatagram("c:requests:1\nbad");
 * match(renderTable(aggregator.publish()), /^c +requests +[\d.]+$[^]*bad/m); // a row, then the rejected line
 * ```
 */
export function renderTable(report: IntervalReport): string {
  const header = ["type", "id", "rate/s", "count", "total", "max", "value"];
  const rows = Object.values(report.meters).map((m) => [
    m.symbol,
    idText(m),
    formatNumber(m.rate),
    formatNumber(m.count),
    formatNumber(m.total),
    formatNumber(m.max),
    formatNumber(m.value),
  ]);
  const widths = header.map((h, i) => Math.min(MAX_COLUMN, Math.max(h.length, ...rows.map((r) => r[i].length))));
  const format = (row: string[]): string => {
    const [type, id, ...values] = row;
    // An id wider than its column gets a line of its own, its values below, in their columns.
    if (id.length > widths[1]) return `${type.padEnd(widths[0])}  ${id}\n${format(["", "", ...values])}`;
    return row.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd();
  };
  const out = [
    `${new Date(report.time).toISOString()}  interval ${formatNumber(report.intervalSeconds)} s  ` +
    `${report.lines} lines  ${rows.length} meters`,
    "",
    format(header),
    format(widths.map((w) => "-".repeat(w))),
    ...rows.map(format),
  ];
  for (
    const [heading, lines] of [
      ["Lines SpectatorD would reject:", report.rejectedLines],
      ["Lines SpectatorD accepts with a warning:", report.warnedLines],
    ] as const
  ) {
    if (lines.length > 0) out.push("", heading);
    for (const r of lines) out.push(`  ${JSON.stringify(r.line)}${r.times > 1 ? ` (x${r.times})` : ""}: ${r.problem}`);
  }
  if (report.rejectedIds.length > 0) {
    out.push("", "Ids Atlas would reject:");
    for (const r of report.rejectedIds) out.push(`  ${r.id}: ${r.problems.join("; ")}`);
  }
  return out.join("\n") + "\n";
}

/**
 * Renders a datagram as it arrived: a heading with its size, then one
 * indented protocol line per line; with `json`, one JSON line
 * `{"datagram":[...lines]}` instead.
 *
 * @param text the datagram, decoded as UTF-8
 * @param byteLength its size in bytes
 * @param json whether to render JSON
 * @returns the text, ending with a newline
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { renderDatagram } from "./_render.ts";
 *
 * strictEqual(
 *   renderDatagram("c:requests:1\nt:latency:0.5", 28, false),
 *   "datagram of 2 lines, 28 bytes:\n  c:requests:1\n  t:latency:0.5\n",
 * );
 * ```
 */
export function renderDatagram(text: string, byteLength: number, json: boolean): string {
  const lines = text.split("\n");
  if (json) return JSON.stringify({ datagram: lines }) + "\n";
  const heading = `datagram of ${lines.length} line${lines.length === 1 ? "" : "s"}, ${byteLength} bytes:`;
  return [heading, ...lines.map((line) => `  ${line}`)].join("\n") + "\n";
}
