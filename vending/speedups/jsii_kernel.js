// jsii's kernel, run in the Node process that jsii's Python runtime starts (JSII_RUNTIME, set by
// vending/speedups/kernel.py). jsii's own entry point, bin/jsii-runtime.js, starts the kernel
// (lib/program.js) in a second Node process, with --preserve-symlinks, and relays every message
// between Python's pipes and the kernel's descriptor 3: a third process on every jsii call.
// Here the kernel runs in this process: its reads and writes on descriptor 3 go to stdin and
// stdout, and what JavaScript code prints reaches stderr wrapped as the relay wraps it
// ({"stdout"|"stderr": base64}), which the Python runtime unwraps.
"use strict";
const fs = require("fs");
const { Readable, Writable } = require("stream");

const CHANNEL = 3; // the kernel's descriptor for jsii messages
// Descriptor 3 stays taken (by libuv's event poll, or here), so no file opened later gets it.
try {
  fs.fstatSync(CHANNEL);
} catch {
  fs.openSync("/dev/null", "r");
}

const readSync = fs.readSync;
const writeSync = fs.writeSync;
fs.readSync = function (fd, ...rest) {
  return readSync.call(this, fd === CHANNEL ? 0 : fd, ...rest);
};
fs.writeSync = function (fd, ...rest) {
  return writeSync.call(this, fd === CHANNEL ? 1 : fd, ...rest);
};

function relayed(name) {
  return new Writable({
    write(chunk, encoding, done) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, encoding);
      writeSync(2, `${JSON.stringify({ [name]: bytes.toString("base64") })}\n`);
      done();
    },
  });
}

// stdin and stdout carry jsii messages and nothing else.
Object.defineProperty(process, "stdin", { value: Readable.from([]), configurable: true });
Object.defineProperty(process, "stdout", { value: relayed("stdout"), configurable: true });
Object.defineProperty(process, "stderr", { value: relayed("stderr"), configurable: true });

// The kernel links its packages from jsii's package cache when it runs with --preserve-symlinks
// (as jsii-runtime.js starts it) and copies them file by file otherwise: over a second per start.
// NODE_OPTIONS carries the flag; the kernel looks for it in execArgv.
if ((process.env.NODE_OPTIONS || "").split(" ").includes("--preserve-symlinks")) {
  process.execArgv.push("--preserve-symlinks");
}
require(process.env.VENDING_JSII_PROGRAM);
