import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { test } from "node:test";
import { Config, FileWriter, Registry } from "../../mod.ts";
import { CollectingLogger } from "../helpers/collecting_logger.ts";
import { CLEAN_SPECTATOR_ENV, withEnv } from "../helpers/env.ts";
import { runFixture } from "../helpers/run_fixture.ts";

const onDeno = "Deno" in globalThis && !("Bun" in globalThis);

/** Runs `fn` with a new temporary directory, removed afterwards. */
async function inTempDir(fn: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spectator-file-writer-"));
  try {
    await fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function fileRegistry(file: string): Registry {
  return withEnv({}, () => new Registry(new Config({ location: `file://${file}`, logger: new CollectingLogger() })));
}

test("Location file:// appends each line and a newline to the file", async () => {
  await inTempDir(async (dir) => {
    const file = path.join(dir, "metrics.txt");
    fs.writeFileSync(file, "existing\n");
    const registry = fileRegistry(file);
    registry.counter("counter").increment();
    registry.gauge("gauge").set(42);
    await registry.close();
    assert.equal(fs.readFileSync(file, "utf8"), "existing\nc:counter:1\ng:gauge:42\n");
  });
});

test("Location file:// creates a missing file", async () => {
  await inTempDir(async (dir) => {
    const file = path.join(dir, "print-writer.txt");
    const registry = fileRegistry(file);
    registry.writer().write("foo");
    await registry.close();
    assert.equal(fs.readFileSync(file, "utf8"), "foo\n");
  });
});

test("FileWriter drops lines written after close(), and a second close() does nothing", async () => {
  await inTempDir(async (dir) => {
    const file = path.join(dir, "closed.txt");
    const writer = new FileWriter({ path: file });
    writer.write("before");
    await writer.flush();
    await writer.close();
    writer.write("after");
    await writer.close();
    assert.equal(fs.readFileSync(file, "utf8"), "before\n");
  });
});

test("FileWriter logs each line at debug level only when asked to", async () => {
  await inTempDir(async (dir) => {
    const logger = new CollectingLogger();
    const writer = new FileWriter({ path: path.join(dir, "logged.txt") }, { logger, logLines: true });
    writer.write("c:counter:1");
    await writer.close();
    assert.deepEqual(logger.messages("debug"), ["spectator.writer: write line=c:counter:1"]);
  });
});

test("A file:// location in a missing directory throws at Registry construction, naming the path", async () => {
  await inTempDir((dir) => {
    const file = path.join(dir, "missing", "metrics.txt");
    const config = withEnv({}, () => new Config({ location: `file://${file}` }));
    assert.throws(() => new Registry(config), (error: Error) => {
      assert.ok(error.message.includes(`file://${file}`), error.message);
      return true;
    });
  });
});

/** Runs `make` as on Node 20.0-20.15, which have no `process.getBuiltinModule`. */
function withoutGetBuiltinModule<T>(make: () => T): T {
  const saved = process.getBuiltinModule;
  (process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;
  try {
    return make();
  } finally {
    process.getBuiltinModule = saved;
  }
}

test("Location file:// works without process.getBuiltinModule (Node 20.0-20.15)", async () => {
  await inTempDir(async (dir) => {
    const file = path.join(dir, "metrics.txt");
    fs.writeFileSync(file, "existing\n");
    const registry = withoutGetBuiltinModule(() => fileRegistry(file));
    registry.counter("counter").increment();
    registry.gauge("gauge").set(42);
    await registry.flush();
    assert.equal(fs.readFileSync(file, "utf8"), "existing\nc:counter:1\ng:gauge:42\n");
    registry.counter("counter").increment(2);
    await registry.close();
    registry.counter("counter").increment(3);
    await registry.close();
    assert.equal(fs.readFileSync(file, "utf8"), "existing\nc:counter:1\ng:gauge:42\nc:counter:2\n");
  });
});

test("Without process.getBuiltinModule, a file:// location in a missing directory logs an error naming the path", async () => {
  await inTempDir(async (dir) => {
    const file = path.join(dir, "missing", "metrics.txt");
    const logger = new CollectingLogger();
    const writer = withoutGetBuiltinModule(() => new FileWriter({ path: file }, { logger }));
    writer.write("c:counter:1");
    await writer.close();
    const [error, ...others] = logger.messages("error");
    assert.equal(others.length, 0);
    assert.ok(error.includes(`cannot open file://${file} for appending`), error);
    assert.equal(fs.existsSync(file), false);
  });
});

test("Locations stdout and stderr write each line and a newline to that stream only", async () => {
  for (const stream of ["stdout", "stderr"] as const) {
    const result = await runFixture("file_writer_fixture", { args: [stream, "foo"], env: CLEAN_SPECTATOR_ENV });
    assert.equal(result.code, 0, result.stderr);
    const other = stream === "stdout" ? "stderr" : "stdout";
    assert.equal(result[stream], "c:counter:1\nfoo\n");
    assert.equal(result[other], "");
  }
});

test(
  "On Deno without --allow-write, a file:// location logs an error instead of throwing",
  { skip: !onDeno },
  async () => {
    await inTempDir(async (dir) => {
      const file = path.join(dir, "denied.txt");
      const result = await runFixture("file_writer_fixture", {
        args: [`file://${file}`],
        env: CLEAN_SPECTATOR_ENV,
        denoFlags: ["--no-prompt"],
      });
      assert.equal(result.code, 0, result.stderr);
      assert.match(
        result.stderr,
        /spectator\.writer: cannot write to file:\/\/.*denied\.txt: run Deno with --allow-write/,
      );
      assert.equal(fs.existsSync(file), false);
    });
  },
);
