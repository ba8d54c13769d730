import assert from "node:assert/strict";
import { test } from "node:test";
import {
  Config,
  FileWriter,
  LineWriter,
  MemoryWriter,
  NoopWriter,
  type SocketTarget,
  type TransportFactory,
} from "../../mod.ts";
import { newWriter } from "../../src/writers/_new_writer.ts";
import { CollectingLogger } from "../helpers/collecting_logger.ts";
import { withEnv } from "../helpers/env.ts";

test("newWriter() picks the writer for each location", async () => {
  const targets: SocketTarget[] = [];
  const transport: TransportFactory = (target) => {
    targets.push(target);
    return { send: () => {}, close: () => Promise.resolve() };
  };
  const cases: [string, abstract new (...args: never[]) => unknown][] = [
    ["none", NoopWriter],
    ["memory", MemoryWriter],
    ["stdout", FileWriter],
    ["stderr", FileWriter],
    ["udp", LineWriter],
    ["udp://[::1]:8125", LineWriter],
    ["unix", LineWriter],
  ];
  for (const [location, writerClass] of cases) {
    const config = withEnv({}, () => new Config({ location, transport, logger: new CollectingLogger() }));
    const writer = newWriter(config);
    assert.ok(writer instanceof writerClass, location);
    await writer.close();
  }
  assert.deepEqual(targets, [], "no socket is opened before the first write");
});
