import assert from "node:assert/strict";
import { test } from "node:test";
import type { Location } from "../mod.ts";
import { LOCATION_FORMS, parseLocation } from "../src/location.ts";
import { received } from "./helpers/received.ts";

test("parseLocation() accepts every location form of spectator-py", () => {
  const cases: [string, Location][] = [
    ["none", { kind: "none" }],
    ["memory", { kind: "memory" }],
    ["stdout", { kind: "stdout" }],
    ["stderr", { kind: "stderr" }],
    ["udp", { kind: "udp", host: "127.0.0.1", port: 1234 }],
    ["unix", { kind: "unix", path: "/run/spectatord/spectatord.unix" }],
    ["file:///tmp/metrics.txt", { kind: "file", path: "/tmp/metrics.txt" }],
    ["udp://localhost:1234", { kind: "udp", host: "localhost", port: 1234 }],
    ["udp://192.168.1.10:8125", { kind: "udp", host: "192.168.1.10", port: 8125 }],
    ["udp://[::1]:1234", { kind: "udp", host: "::1", port: 1234 }],
    ["udp://[fe80::1:2]:65535", { kind: "udp", host: "fe80::1:2", port: 65535 }],
    ["udp://spectatord.local:0", { kind: "udp", host: "spectatord.local", port: 0 }],
    ["unix:///tmp/socket.sock", { kind: "unix", path: "/tmp/socket.sock" }],
  ];
  for (const [location, target] of cases) assert.deepEqual(parseLocation(location), target, location);
});

test("parseLocation() rejects other locations with a TypeError naming the value and the valid forms", () => {
  const invalid: unknown[] = [
    "foo",
    "",
    "UDP",
    "file://",
    "file://testfile.txt",
    "udp://",
    "udp://localhost",
    "udp://:1234",
    "udp://::1:1234",
    "udp://localhost:12a4",
    "unix://",
    "unix://relative.sock",
    "tcp://localhost:1234",
    " memory",
    undefined,
    null,
    42,
  ];
  for (const location of invalid) {
    assert.throws(() => parseLocation(location), (error: Error) => {
      assert.ok(error instanceof TypeError, `${String(location)} gave ${error}`);
      assert.ok(error.message.startsWith("Cannot create Config: location must be"), error.message);
      assert.ok(error.message.includes(LOCATION_FORMS), error.message);
      assert.ok(error.message.endsWith(`: received ${received(location)}`), error.message);
      return true;
    });
  }
});

test("parseLocation() rejects a port above 65535 with a RangeError naming the value", () => {
  for (const location of ["udp://localhost:70000", "udp://[::1]:65536", "udp://h:99999999999999999999"]) {
    assert.throws(() => parseLocation(location), {
      name: "RangeError",
      message: `Cannot create Config: location must have a port from 0 to 65535: received ${JSON.stringify(location)}`,
    });
  }
});

test("parseLocation() names the source of the value in its errors", () => {
  assert.throws(() => parseLocation("foo", "SPECTATOR_OUTPUT_LOCATION"), {
    name: "TypeError",
    message: /^Cannot create Config: SPECTATOR_OUTPUT_LOCATION must be one of .*: received "foo"$/,
  });
});
