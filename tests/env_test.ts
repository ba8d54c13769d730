import assert from "node:assert/strict";
import { test } from "node:test";
import { readEnv } from "../src/env.ts";
import { withEnv } from "./helpers/env.ts";

test("readEnv() returns a variable's value, or undefined when it is unset", () => {
  withEnv({ TITUS_CONTAINER_NAME: " main " }, () => {
    assert.equal(readEnv("TITUS_CONTAINER_NAME"), " main ");
    assert.equal(readEnv("NETFLIX_PROCESS_NAME"), undefined);
  });
});

test("readEnv() tells onDenied nothing when access is granted", () => {
  const denied: string[] = [];
  withEnv({ SPECTATOR_OUTPUT_LOCATION: "memory" }, () => {
    assert.equal(readEnv("SPECTATOR_OUTPUT_LOCATION", (name) => denied.push(name)), "memory");
  });
  assert.deepEqual(denied, []);
});
