/// <reference lib="dom" />
/**
 * The live view in a real browser: Debian's `chromium`, headless, driven by
 * `playwright-core` (which never downloads a browser), loading the page of an
 * agent stand-in that a Registry and raw datagrams send to. Every assertion
 * reads the rendered DOM. Node runs the transpiled copy in `dist/` (`node
 * scripts/run_tests.mjs browser`, whose setup installs chromium when it is
 * missing); the name keeps `deno test` and `bun test` from picking it up.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { type RunningAgent, startAgent } from "../../cli.ts";
import { Config, Registry } from "../../mod.ts";

/** Debian's chromium; `apt-get install -y chromium` puts it there. */
const CHROMIUM = "/usr/bin/chromium";
/** Headless, no sandbox (root), and nothing that reaches the network by itself. */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
/** How long a rendered state may take to appear, in milliseconds. */
const RENDER_TIMEOUT_MS = 10_000;

let userDataDir: string;
let browser: BrowserContext;

before(async () => {
  userDataDir = mkdtempSync(join(tmpdir(), "spectator-live-view-"));
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
});

after(async () => {
  await browser?.close();
  rmSync(userDataDir, { recursive: true, force: true });
});

interface Scene {
  agent: RunningAgent;
  registry: Registry;
  page: Page;
  /** Sends one raw datagram to the agent. */
  sendRaw(text: string): Promise<void>;
  /** Errors the page threw, and console errors. */
  pageErrors: string[];
}

/** Runs `fn` with an agent publishing every 100 ms, a registry pointed at it, and its page open. */
async function withScene(fn: (scene: Scene) => Promise<void>): Promise<void> {
  const agent = await startAgent({ port: 0, ui: true, uiPort: 0, intervalMs: 100 }, { out: () => {}, err: () => {} });
  const registry = new Registry(new Config({ location: agent.locations[0] }));
  const socket = createSocket("udp4");
  const { port } = new URL(agent.locations[0].replace("udp:", "http:"));
  const sendRaw = (text: string) =>
    new Promise<void>((resolve, reject) =>
      socket.send(text, Number(port), "127.0.0.1", (error) => error ? reject(error) : resolve())
    );
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(String(error)));
  page.on("console", (message) => {
    if (message.type() === "error") pageErrors.push(message.text());
  });
  try {
    await page.goto(agent.uiUrl!);
    await waitForText(page, "#status", /^Live/);
    await fn({ agent, registry, page, sendRaw, pageErrors });
    assert.deepEqual(pageErrors, [], "the page ran without errors");
  } finally {
    await page.close();
    await registry.close();
    await agent.stop();
    socket.close();
  }
}

/** Waits until the first element matching `selector` has text matching `expected`. */
async function waitForText(page: Page, selector: string, expected: RegExp): Promise<string> {
  try {
    await page.waitForFunction(
      ([selector, source, flags]) =>
        new RegExp(source, flags).test(document.querySelector(selector)?.textContent ?? ""),
      [selector, expected.source, expected.flags] as const,
      { timeout: RENDER_TIMEOUT_MS, polling: 20 },
    );
  } catch (error) {
    const text = await page.locator(selector).first().textContent().catch(() => "(none)");
    throw new Error(`${selector} never matched ${expected}: it shows ${JSON.stringify(text)}`, { cause: error });
  }
  return (await page.locator(selector).first().textContent()) ?? "";
}

/** The keys of the meter cards the filter lets through, in page order. */
function shownKeys(page: Page): Promise<string[]> {
  return page.$$eval(
    "article.meter",
    (cards) =>
      cards.filter((card) => !(card as HTMLElement).hidden && card.getBoundingClientRect().height > 0)
        .map((card) => (card as HTMLElement).dataset.key ?? ""),
  );
}

/** The selector of one series row of a meter's card. */
function row(key: string, label: string): string {
  return `article.meter[data-key="${key}"] .series[data-label="${label}"]`;
}

test("the page shows each meter with its latest value, and updates as lines arrive", async () => {
  await withScene(async ({ registry, page }) => {
    const queue = registry.gauge("queue", { shard: "a" });
    queue.set(7);
    registry.counter("requests", { status: "200" }).increment(3);
    registry.timer("latency").record(0.25);
    registry.distributionSummary("responseSize").record(512);
    registry.maxGauge("poolActive").set(4);
    registry.ageGauge("lastRefresh").now();

    assert.equal(await waitForText(page, `${row("g:queue,shard=a", "value")} .latest`, /^7$/), "7");
    const card = page.locator('article.meter[data-key="g:queue,shard=a"]');
    assert.equal(await card.locator(".name").textContent(), "queue");
    assert.equal(await card.locator(".symbol").textContent(), "g");
    assert.equal(await card.locator(".type").textContent(), "gauge");
    assert.deepEqual(await card.locator(".tags li").allTextContents(), ["shard=a"]);

    // Counters as rates per second; timers and summaries as count, mean and max; max gauges and age gauges as values.
    await waitForText(page, `${row("c:requests,status=200", "rate/s")} .max`, /^max [1-9]/);
    await waitForText(page, `${row("t:latency", "count")} .max`, /^max 1$/);
    await waitForText(page, `${row("t:latency", "mean s")} .max`, /^max 0\.25$/);
    await waitForText(page, `${row("t:latency", "max s")} .max`, /^max 0\.25$/);
    await waitForText(page, `${row("d:responseSize", "mean")} .max`, /^max 512$/);
    await waitForText(page, `${row("m:poolActive", "value")} .max`, /^max 4$/);
    await waitForText(page, `${row("A:lastRefresh", "age s")} .latest`, /^\d/);
    await waitForText(page, "#shown", /^6 of 6 meters shown$/);

    queue.set(9);
    await waitForText(page, `${row("g:queue,shard=a", "value")} .latest`, /^9$/);
    await waitForText(page, `${row("g:queue,shard=a", "value")} .min`, /^min 7$/);
    assert.equal(await page.textContent(`${row("g:queue,shard=a", "value")} .max`), "max 9");
    const path = await page.getAttribute(`${row("g:queue,shard=a", "value")} svg path`, "d");
    assert.match(path ?? "", /^M[\d.]+ [\d.]+(L[\d.]+ [\d.]+)+$/, "a line through the points");
  });
});

test("the filter shows only the meters whose name or tags match", async () => {
  await withScene(async ({ registry, page }) => {
    registry.counter("server.requestCount", { status: "200", country: "us" }).increment();
    registry.counter("server.requestCount", { status: "500", country: "br" }).increment();
    registry.gauge("queue", { shard: "a" }).set(1);
    await waitForText(page, "#shown", /^3 of 3 meters shown$/);

    const filter = page.locator("#filter");
    await filter.fill("status=200");
    assert.deepEqual(await shownKeys(page), ["c:server.requestCount,country=us,status=200"]);
    assert.equal(await page.textContent("#shown"), "1 of 3 meters shown");
    await filter.fill("QUEUE");
    assert.deepEqual(await shownKeys(page), ["g:queue,shard=a"]);
    await filter.fill("requestcount br");
    assert.deepEqual(await shownKeys(page), ["c:server.requestCount,country=br,status=500"]);
    await filter.fill("nothing-matches");
    assert.deepEqual(await shownKeys(page), []);
    await filter.fill("");
    assert.equal((await shownKeys(page)).length, 3);
  });
});

test("hostile names and raw datagrams are shown as text: no element injected, no script run", async () => {
  await withScene(async ({ page, sendRaw }) => {
    await sendRaw("<img src=x onerror=window.__pwned=1>");
    await sendRaw("c:<script>window.__pwned=2</script>,k=<b>bold</b>:1");
    await sendRaw("c:hostile.value:1<svg onload=window.__pwned=3>");
    await sendRaw("x\u0007</code><i>bell</i>");

    const rejected = "#rejected-lines tbody code";
    await waitForText(page, "#rejected-lines-count", /^\(2\)$/);
    const lines = await page.locator(rejected).allTextContents();
    assert.ok(lines.includes("<img src=x onerror=window.__pwned=1>"), `rejected lines: ${JSON.stringify(lines)}`);
    assert.ok(lines.includes("x\\u0007</code><i>bell</i>"), "control characters shown as escapes");
    const warned = await waitForText(page, "#warned-lines tbody tr", /<svg onload=window.__pwned=3>/);
    assert.match(warned, /c:hostile\.value:1<svg onload=window\.__pwned=3>/);
    await waitForText(page, "#shown", /^2 of 2 meters shown$/);
    const names = await page.locator("article.meter .name").allTextContents();
    assert.ok(names.includes("_script_window.__pwned_2__script_"), `names: ${JSON.stringify(names)}`);
    assert.deepEqual(
      await page.locator('article.meter[data-key^="c:_script"] .tags li').allTextContents(),
      ["k=_b_bold__b_"],
    );

    const injected = await page.evaluate(() => ({
      pwned: (window as { __pwned?: unknown }).__pwned,
      elements: document.querySelectorAll("img, b, i, script:not([src='app.js']), [onerror], [onload]").length,
      scripts: document.scripts.length,
    }));
    assert.deepEqual(injected, { pwned: undefined, elements: 0, scripts: 1 });
  });
});

test("the page states the cap on distinct ids, and how many it left out", async () => {
  await withScene(async ({ page, sendRaw }) => {
    const limits = await waitForText(page, "#limits", /at most 500 meters/);
    assert.match(limits, /^This view keeps at most 500 meters \(distinct ids\) and the last 120 intervals of each;/);
    assert.equal(await page.isHidden("#left-out"), true);
    // One datagram, so all 510 ids arrive in one interval.
    await sendRaw(Array.from({ length: 510 }, (_, i) => `c:flood.${String(i).padStart(3, "0")}:1`).join("\n"));
    const leftOut = await waitForText(page, "#left-out", /left out/);
    assert.match(
      leftOut,
      /^The view is full: 10 ids left out of the interval ending .+, past the cap of 500 meters\.$/,
    );
    assert.equal(await waitForText(page, "#shown", /^500 of 500 meters shown$/), "500 of 500 meters shown");
    assert.equal(await page.locator("article.meter").count(), 500);
  });
});

test("stopping the agent makes the open page say so", async () => {
  await withScene(async ({ agent, registry, page }) => {
    registry.gauge("queue").set(3);
    await waitForText(page, `${row("g:queue", "value")} .latest`, /^3$/);
    await agent.stop();
    const status = await waitForText(page, "#status", /stopped/);
    assert.match(status, /^The agent stopped at .+: the charts show its last data\.$/);
    assert.equal(await page.getAttribute("#status", "data-state"), "stopped");
    assert.equal(await page.textContent(`${row("g:queue", "value")} .latest`), "3", "the last data stays");
  });
});
