// Preloaded (node --require) into the jsii kernel (vending/speedups/kernel.py).
"use strict";
const fs = require("fs");
const Module = require("module");
const path = require("path");

// @cdktf/provider-aws's main module, lib/index.js, requires all 2,135 submodules. The package
// also ships lib/lazy-index.js, which exports the same names as getters that require a
// submodule on first use; the kernel finds types by walking those exports, so it gets the
// same classes either way. Resolve the package's main module to the lazy one.
const MAIN = path.join("@cdktf", "provider-aws", "lib", "index.js");
// cdktf records a full stack trace for every token it creates, only to quote it in the error
// raised when that token cannot be resolved: a tenth of the kernel's time. Record none.
const STACK_TRACE = path.join("cdktf", "lib", "tokens", "private", "stack-trace.js");
const resolveFilename = Module._resolveFilename;

Module._resolveFilename = function (request, ...rest) {
  const resolved = resolveFilename.call(this, request, ...rest);
  if (resolved.endsWith(STACK_TRACE) && !Module._cache[resolved]) {
    const module = new Module(resolved);
    module.exports = { captureStackTrace: () => [] };
    module.loaded = true;
    Module._cache[resolved] = module;
  }
  if (!resolved.endsWith(MAIN)) return resolved;
  const lazy = path.join(path.dirname(resolved), "lazy-index.js");
  return fs.existsSync(lazy) ? lazy : resolved;
};
