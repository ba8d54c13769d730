// Setup of the browser tier (node scripts/run_tests.mjs browser): makes sure
// Debian's chromium is at /usr/bin/chromium, installing it with apt-get when
// it is missing and this runs as root (as in CI), and otherwise failing with
// a message saying how to install it; then builds the Node copy of the tests
// (dist/), which the browser test runs from. Never downloads a browser of its
// own: playwright-core only drives the system's chromium.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const CHROMIUM = "/usr/bin/chromium";

function run(command, args) {
  console.log(`$ ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  return result.status === 0;
}

if (!existsSync(CHROMIUM)) {
  if (process.getuid?.() !== 0) {
    console.error(
      `The browser tests need Debian's chromium at ${CHROMIUM}, which is missing: ` +
        "install it with `sudo apt-get install -y chromium` (this setup installs it only when run as root).",
    );
    process.exit(1);
  }
  console.log(`${CHROMIUM} is missing: installing Debian's chromium`);
  if (!run("apt-get", ["install", "-y", "--no-install-recommends", "chromium"])) {
    if (!run("apt-get", ["update"]) || !run("apt-get", ["install", "-y", "--no-install-recommends", "chromium"])) {
      console.error(`Could not install chromium with apt-get: the browser tests cannot run`);
      process.exit(1);
    }
  }
  if (!existsSync(CHROMIUM)) {
    console.error(`apt-get installed chromium, but ${CHROMIUM} is still missing`);
    process.exit(1);
  }
}
if (!run("node", ["scripts/build_node.mjs"])) process.exit(1);
