// Preloaded (node --require) into the jsii kernel by vending/lazy_provider.py.
// @cdktf/provider-aws's main module, lib/index.js, requires all 2,135 submodules. The package
// also ships lib/lazy-index.js, which exports the same names as getters that require a
// submodule on first use; the kernel finds types by walking those exports, so it gets the
// same classes either way. Resolve the package's main module to the lazy one.
"use strict";
const fs = require("fs");
const Module = require("module");
const path = require("path");

const MAIN = path.join("@cdktf", "provider-aws", "lib", "index.js");
const resolveFilename = Module._resolveFilename;

Module._resolveFilename = function (request, ...rest) {
  const resolved = resolveFilename.call(this, request, ...rest);
  if (!resolved.endsWith(MAIN)) return resolved;
  const lazy = path.join(path.dirname(resolved), "lazy-index.js");
  return fs.existsSync(lazy) ? lazy : resolved;
};
