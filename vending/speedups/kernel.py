"""How the jsii kernel is started: with ``lazy_provider.js`` preloaded into Node, and with
``jsii_kernel.js`` as jsii's runtime, which runs the kernel in the Node process Python talks to
instead of a second one behind a relay (every jsii call then crosses two processes, not three).
Relies on jsii's kernel program (``lib/program.js``) and its descriptor 3 (see jsii_kernel.js).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import importlib.util
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

PROVIDER_PACKAGE = "cdktf_cdktf_provider_aws"
NODE_HOOK = Path(__file__).with_name("lazy_provider.js")
KERNEL_RUNTIME = Path(__file__).with_name("jsii_kernel.js")


def jsii_loaded() -> bool:
    """Whether this process has imported jsii, which starts its kernel on first use: a kernel
    may be running (a forked child would share its pipes; an early one would be a second)."""
    return "jsii" in sys.modules


def environment(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` as the jsii kernel gets it: with ``lazy_provider.js`` preloaded and, unless
    JSII_RUNTIME names another, ``jsii_kernel.js`` as its runtime."""
    options = f"{environ.get('NODE_OPTIONS', '')} --require {json.dumps(str(NODE_HOOK), ensure_ascii=False)}"
    changed = {**environ, "NODE_OPTIONS": options.strip()}
    if "JSII_RUNTIME" not in environ:
        changed["NODE_OPTIONS"] += " --preserve-symlinks"  # as jsii-runtime.js starts the kernel
        changed["JSII_RUNTIME"] = str(KERNEL_RUNTIME)
        changed["VENDING_JSII_PROGRAM"] = str(kernel_program())
    return changed


@contextlib.contextmanager
def starting() -> Iterator[None]:
    """Start a jsii kernel inside this block (jsii passes the environment of that moment to Node)
    with ``environment``; the process' own environment is left as it was."""
    changes = {name: value for name, value in environment(os.environ).items() if os.environ.get(name) != value}
    before = {name: os.environ.get(name) for name in changes}
    os.environ.update(changes)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value


@functools.cache
def kernel_program() -> Path:
    """jsii's kernel program, ``lib/program.js`` and the files beside it, copied out of the jsii
    package (as jsii's runtime copies them, ``lib__program.js`` to ``lib/program.js``) into a
    directory removed at exit; once per process. Found without importing jsii, which takes a
    fifth of a second that the early kernel (early_kernel.py) would wait for."""
    spec = importlib.util.find_spec("jsii")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("No module named 'jsii'", name="jsii")
    embedded = Path(spec.submodule_search_locations[0]) / "_embedded" / "jsii"
    directory = Path(tempfile.mkdtemp(prefix="vending-jsii-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)  # runs after jsii has stopped Node
    (directory / "lib").mkdir()
    for resource in embedded.glob("lib__*"):
        shutil.copyfile(resource, directory / "lib" / resource.name.removeprefix("lib__"))
    return directory / "lib" / "program.js"
