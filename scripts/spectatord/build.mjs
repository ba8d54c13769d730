// Builds the real SpectatorD agent from the source archive in third_party/spectatord/, once per machine, and prints
// where the binary is. Installs the Debian packages it needs with apt-get (running `apt-get update` only when one is
// missing), builds only the spectatord_main target with CMake, Ninja and -j2 (never upstream's tests), and keeps the
// binary in a machine-wide cache keyed by a hash of the archive, our build shims and this script, so a second run (from
// any clone) reuses it. Nothing is downloaded but Debian packages.
// Run with Node: node scripts/spectatord/build.mjs   (prints the binary's path on its last line)
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  accessSync,
  closeSync,
  constants,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** The upstream commit the archive holds (see third_party/spectatord/README.md). */
export const SPECTATORD_COMMIT = "429cd8d66f94f3d5f9959b19657eea09d272bce6";

/** The Debian packages the build needs: the compiler and build tools, and every library of upstream's conanfile. */
export const APT_PACKAGES = [
  "g++",
  "cmake",
  "ninja-build",
  "libabsl-dev",
  "libasio-dev",
  "libbackward-cpp-dev",
  "libbenchmark-dev",
  "libfmt-dev",
  "libgtest-dev",
  "libcurl4-openssl-dev",
  "libssl-dev",
  "libpoco-dev",
  "rapidjson-dev",
  "libspdlog-dev",
  "libtsl-hopscotch-map-dev",
  "libxxhash-dev",
  "zlib1g-dev",
];

const root = fileURLToPath(new URL("../../", import.meta.url));
const thirdParty = join(root, "third_party/spectatord");
const archive = join(thirdParty, `spectatord-${SPECTATORD_COMMIT}.tar.gz`);
const shims = join(thirdParty, "shims");
const script = fileURLToPath(import.meta.url);
/** How long to wait for another process building the same key before giving up. */
const LOCK_WAIT_MS = 20 * 60 * 1000;

/**
 * A build that did not happen; its message says why and what to do.
 * `unavailable` says the machine lacks what the build needs (dpkg, apt-get,
 * root, a package): a local test run may skip the tier for that, never for a
 * build that failed on a machine that has everything.
 */
export class SpectatordBuildError extends Error {
  name = "SpectatordBuildError";

  /**
   * @param message why, and what to do
   * @param unavailable whether the machine lacks what the build needs
   */
  constructor(message, unavailable = false) {
    super(message);
    this.unavailable = unavailable;
  }
}

/** The cache directory of every build: `${XDG_CACHE_HOME:-$HOME/.cache}/spectator-client`. */
export function cacheRoot() {
  const base = process.env.XDG_CACHE_HOME || join(process.env.HOME || homedir(), ".cache");
  return join(base, "spectator-client");
}

/** The files whose bytes decide the build: the archive, every shim, and this script, as [relative path, path]. */
function inputFiles() {
  const shimFiles = readdirSync(shims, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name));
  return [archive, ...shimFiles, script].map((path) => [path.slice(root.length), path]).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0
  );
}

/** A short hash of the build's inputs: their paths and contents. */
export function cacheKey() {
  const hash = createHash("sha256");
  for (const [name, path] of inputFiles()) {
    hash.update(`${name}\0`);
    hash.update(readFileSync(path));
    hash.update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}

/** Where the build for the current inputs lives, and its binary. */
export function buildLocation() {
  const dir = join(cacheRoot(), `spectatord-${cacheKey()}`);
  return { dir, binary: join(dir, "spectatord") };
}

/** The built binary for the current inputs, or undefined when it has not been built on this machine. */
export function cachedBinary() {
  const { binary } = buildLocation();
  try {
    accessSync(binary, constants.X_OK);
    return binary;
  } catch {
    return undefined;
  }
}

/** The packages of `names` that dpkg does not list as installed. */
function missingPackages(names) {
  const query = spawnSync("dpkg-query", ["-W", "-f=${Package} ${Status}\\n", ...names], { encoding: "utf8" });
  if (query.error) {
    throw new SpectatordBuildError(
      `Cannot build SpectatorD: dpkg-query is not available (${query.error.message}); the build needs a Debian or ` +
        `Ubuntu machine with these packages: ${names.join(" ")}`,
      true,
    );
  }
  const installed = new Set(
    query.stdout.split("\n").filter((line) => line.endsWith(" install ok installed")).map((line) =>
      line.split(" ")[0].replace(/:.*/, "")
    ),
  );
  return names.filter((name) => !installed.has(name));
}

/** Runs a command, its output going to `log` (a file descriptor) or inherited; throws with `what` if it fails. */
function run(what, command, args, { logFd, env } = {}) {
  const stdio = logFd === undefined ? "inherit" : ["ignore", logFd, logFd];
  const result = spawnSync(command, args, { stdio, env: { ...process.env, ...env } });
  if (result.error || result.status !== 0) {
    const why = result.error ? result.error.message : `exit ${result.status ?? result.signal}`;
    throw new SpectatordBuildError(`Cannot build SpectatorD: ${what} failed (${why})`);
  }
}

/** Installs what is missing of APT_PACKAGES; returns the seconds it took (0 when nothing was missing). */
export function installPackages({ log = console.error } = {}) {
  const missing = missingPackages(APT_PACKAGES);
  return missing.length === 0 ? 0 : aptInstall(missing, { log });
}

/**
 * Installs `packages` with apt-get, after `apt-get update`; returns the seconds it took. Throws a SpectatordBuildError
 * naming the packages when apt-get is missing, when not root, or when a package still is not installed afterwards.
 */
export function aptInstall(packages, { log = console.error } = {}) {
  const command = `apt-get install -y --no-install-recommends ${packages.join(" ")}`;
  if (spawnSync("apt-get", ["--version"], { stdio: "ignore" }).error) {
    throw new SpectatordBuildError(
      `Cannot build SpectatorD: these Debian packages are missing and apt-get is not available: ${packages.join(" ")}`,
      true,
    );
  }
  if (typeof process.getuid === "function" && process.getuid() !== 0) {
    throw new SpectatordBuildError(
      `Cannot build SpectatorD: these Debian packages are missing: ${packages.join(" ")}; installing them needs ` +
        `root: run \`sudo apt-get update && sudo ${command}\`, then this script again`,
      true,
    );
  }
  const started = Date.now();
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  const lockWait = ["-o", "DPkg::Lock::Timeout=300"];
  log(`spectatord: installing Debian packages: ${packages.join(" ")}`);
  run("apt-get update", "apt-get", [...lockWait, "update"], { env });
  run(command, "apt-get", [...lockWait, "install", "-y", "--no-install-recommends", ...packages], { env });
  const still = missingPackages(packages);
  if (still.length > 0) {
    throw new SpectatordBuildError(`Cannot build SpectatorD: apt-get did not install ${still.join(" ")}`);
  }
  return (Date.now() - started) / 1000;
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}

/**
 * Takes the build lock for `dir` (a directory next to it holding the owner's pid), waiting while a live process
 * holds it and taking it over from a dead one. Returns a function that releases it.
 */
async function lock(dir, log) {
  const lockDir = `${dir}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  let announced = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, "pid"), String(process.pid));
      return () => rmSync(lockDir, { recursive: true, force: true });
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
    }
    let owner = NaN;
    try {
      owner = Number(readFileSync(join(lockDir, "pid"), "utf8"));
    } catch {
      // The owner has made the directory but not written its pid yet.
    }
    if (Number.isInteger(owner) && owner > 0 && !isAlive(owner)) {
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new SpectatordBuildError(`Cannot build SpectatorD: ${lockDir} is still held by process ${owner}`);
    }
    if (!announced) log(`spectatord: waiting for process ${owner} to finish building ${dir}`);
    announced = true;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Extracts the archive, adds the header shim, configures and builds spectatord_main; returns the seconds taken. */
function compile(work, binary, logFd) {
  const started = Date.now();
  run(`extracting ${archive}`, "tar", ["-xzf", archive, "-C", work], { logFd });
  const source = join(work, `spectatord-${SPECTATORD_COMMIT}`);
  cpSync(join(shims, "ska"), join(source, "ska"), { recursive: true });
  const build = join(work, "build");
  run("cmake configure", "cmake", [
    "-S",
    source,
    "-B",
    build,
    "-G",
    "Ninja",
    "-DCMAKE_BUILD_TYPE=Release",
    `-DCMAKE_MODULE_PATH=${join(shims, "cmake")}`,
    "-DNFLX_INTERNAL=OFF",
    "-DBUILD_TESTING=OFF",
  ], { logFd });
  run("compiling spectatord_main", "cmake", ["--build", build, "--target", "spectatord_main", "--", "-j2"], { logFd });
  copyFileSync(join(build, "bin/spectatord_main"), binary);
  return (Date.now() - started) / 1000;
}

/**
 * Returns the path of a SpectatorD binary built from the archive: the cached one when present, else it installs the
 * packages and builds it (once per machine, whoever asks). Throws a SpectatordBuildError saying why it cannot.
 *
 * @param {{ log?: (message: string) => void }} options where progress messages go (default: standard error)
 * @returns {Promise<{ binary: string, reused: boolean, aptSeconds: number, compileSeconds: number }>}
 */
export async function buildSpectatord({ log = console.error } = {}) {
  const cached = cachedBinary();
  if (cached) return { binary: cached, reused: true, aptSeconds: 0, compileSeconds: 0 };
  const aptSeconds = installPackages({ log });
  const { dir, binary } = buildLocation();
  mkdirSync(cacheRoot(), { recursive: true });
  const unlock = await lock(dir, log);
  try {
    if (cachedBinary()) return { binary, reused: true, aptSeconds, compileSeconds: 0 };
    const work = `${dir}.work`;
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work);
    const logPath = join(cacheRoot(), `spectatord-${cacheKey()}.build.log`);
    log(`spectatord: compiling commit ${SPECTATORD_COMMIT.slice(0, 7)} with -j2 (log: ${logPath})`);
    const staged = join(work, "out");
    mkdirSync(staged);
    const logFd = openSync(logPath, "w");
    let compileSeconds;
    try {
      compileSeconds = compile(work, join(staged, "spectatord"), logFd);
    } catch (error) {
      throw new SpectatordBuildError(`${error.message}; the last lines of ${logPath}:\n${tail(logPath, 30)}`);
    } finally {
      closeSync(logFd);
    }
    writeFileSync(
      join(staged, "build.json"),
      `${JSON.stringify({ commit: SPECTATORD_COMMIT, aptSeconds, compileSeconds, builtAt: new Date() }, null, 2)}\n`,
    );
    rmSync(dir, { recursive: true, force: true });
    renameSync(staged, dir);
    rmSync(work, { recursive: true, force: true });
    log(`spectatord: built in ${compileSeconds.toFixed(0)} s`);
    return { binary, reused: false, aptSeconds, compileSeconds };
  } finally {
    unlock();
  }
}

function tail(path, lines) {
  return existsSync(path) ? readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n") : "";
}

if (process.argv[1] === script) {
  try {
    const { binary, reused, aptSeconds, compileSeconds } = await buildSpectatord();
    if (reused) console.error("spectatord: up to date");
    else console.error(`spectatord: apt ${aptSeconds.toFixed(0)} s, compile ${compileSeconds.toFixed(0)} s`);
    console.log(binary);
  } catch (error) {
    if (!(error instanceof SpectatordBuildError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
