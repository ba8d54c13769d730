import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { withEnv } from "./helpers/env.ts";
import { platform } from "../src/_platform.ts";

test("platform().readEnv() returns a variable's value, or undefined when it is unset", () => {
  withEnv({ TITUS_CONTAINER_NAME: " main " }, () => {
    assert.equal(platform().readEnv("TITUS_CONTAINER_NAME"), " main ");
    assert.equal(platform().readEnv("NETFLIX_PROCESS_NAME"), undefined);
  });
});

test("platform().readEnv() tells onDenied nothing when access is granted", () => {
  const denied: string[] = [];
  withEnv({ SPECTATOR_OUTPUT_LOCATION: "memory" }, () => {
    assert.equal(platform().readEnv("SPECTATOR_OUTPUT_LOCATION", (name) => denied.push(name)), "memory");
  });
  assert.deepEqual(denied, []);
});

test("platform().runtime names the runtime running the tests, decided once", () => {
  // An independent witness: Deno and Bun set navigator.userAgent; Node 20 has no navigator.
  const agent = typeof navigator === "undefined" ? "Node.js" : navigator.userAgent;
  const expected = agent.startsWith("Deno/")
    ? "deno"
    : agent.startsWith("Bun/")
    ? "bun"
    : agent.startsWith("Node.js")
    ? "node"
    : "other";
  assert.notEqual(expected, "other", `unknown user agent ${agent}`);
  assert.equal(platform().runtime, expected);
  assert.equal(platform(), platform());
});

test("platform() names the operating system as Node does, and has an FFI on Bun and Deno only", () => {
  assert.equal(platform().os, process.platform);
  assert.equal(platform().openLibrary === undefined, platform().runtime === "node");
});

test("platform().isGranted() and fs() work on every runtime the suite runs", () => {
  // The suite runs Deno with -A: everything is granted, as on the other runtimes.
  assert.equal(platform().isGranted({ name: "read", path: "/" }), true);
  assert.equal(typeof platform().fs()?.readFileSync, "function");
});
