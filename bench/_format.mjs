// Formatting for the bench reports (bench/run.mjs, bench/e2e.mjs): figures
// with their units, markdown tables, and the ratios the targets use.

/** Nanoseconds as `96.4 ns`, `1.92 µs` or `11.1 µs`; `?` when unknown. */
export function ns(value) {
  if (value === undefined || value === null) return "?";
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} µs`;
  if (value >= 1000) return `${(value / 1000).toFixed(2)} µs`;
  return `${value.toFixed(value >= 100 ? 0 : 1)} ns`;
}

/** A count as `1.13M`, `330k` or `512`; `?` when unknown. */
export function count(value) {
  if (value === undefined || value === null) return "?";
  if (value >= 1e6) return `${(value / 1e6).toFixed(value % 1e6 === 0 ? 0 : 2)}M`;
  if (value >= 1e4) return `${Math.round(value / 1000)}k`;
  return String(Math.round(value));
}

/** A size as `4 MiB`, `60.0 KiB` or `46 B`. */
export function bytes(value) {
  if (value >= 2 ** 20 && value % 2 ** 20 === 0) return `${value / 2 ** 20} MiB`;
  if (value >= 2 ** 20) return `${(value / 2 ** 20).toFixed(1)} MiB`;
  return value >= 1024 ? `${(value / 1024).toFixed(1)} KiB` : `${value} B`;
}

/** `part` as a percentage of `whole`: `97.1%`, or `100%` when equal. */
export function percent(part, whole) {
  return `${((100 * part) / whole).toFixed(part === whole ? 0 : 1)}%`;
}

/** The first line of `text`, at most 120 characters. */
export function firstLine(text) {
  return String(text ?? "").split("\n")[0].slice(0, 120);
}

/** A markdown table. */
export function table(header, rows) {
  const line = (cells) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** How much faster ours is: `12x faster`, `1.5x slower`; `–` when a figure is missing. */
export function speedup(ours, theirs) {
  if (ours === undefined || theirs === undefined || ours <= 0) return "–";
  const r = theirs / ours;
  return r >= 1 ? `${r.toFixed(r >= 10 ? 0 : 1)}x faster` : `${(1 / r).toFixed(1)}x slower`;
}

/** A fraction as `1/5` or `1/2.4` (or `1.3` when above one). */
export function fraction(value) {
  if (value >= 1) return value.toFixed(2);
  const inverse = 1 / value;
  return `1/${inverse >= 10 ? Math.round(inverse) : inverse.toFixed(1)}`;
}

/**
 * A cell for a target of the form ours / theirs <= `max`: the measured
 * fraction and whether it is met, e.g. `1/2.4: **not met** (target 1/5)`.
 */
export function targetCell(ours, theirs, max) {
  if (ours === undefined || theirs === undefined) return "–";
  const value = ours / theirs;
  if (max === undefined) return `${fraction(value)} (no target)`;
  return `${fraction(value)}: ${value <= max ? "met" : "**not met**"} (target ${fraction(max)})`;
}
