"""Load only the AWS provider submodules that are used, in Python and in Node.

``import cdktf_cdktf_provider_aws`` runs the package's ``__init__``, which imports all 2,135
submodules (seconds, and about 500 MB of Python objects), and the jsii kernel's ``require`` of
the package does the same in Node, whichever resources the app uses. ``install()``:

- registers the package as an empty module with the package's ``__path__``, so that ``from
  cdktf_cdktf_provider_aws.lb import Lb`` imports ``lb`` and nothing else;
- still loads the jsii assembly (the package's ``_jsii`` module), and tells jsii's runtime which
  Python module holds each jsii submodule, so that an object of a type whose submodule is not
  imported yet, handed back by Node, makes jsii import that submodule on demand
  (``jsii._reference_map._try_import_type_module``);
- starts the jsii kernel with ``lazy_provider.js`` preloaded, which points Node at the package's
  own lazy index (and stops cdktf recording a stack trace for every token), and with
  ``jsii_kernel.js`` as jsii's runtime, which runs the kernel in the Node process Python talks
  to instead of a second one behind a relay.

This relies on jsii internals (``_reference_map._submodule_fqn_map``, the kernel's program and
its descriptor 3) and on the packages' layout (one Python package per jsii submodule,
``lib/lazy-index.js``, cdktf's ``stack-trace.js``), which is why jsii, cdktf,
constructs and the provider are pinned exactly in the Pipfile; tests/test_lazy_provider.py checks
them against the installed versions.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import importlib
import importlib.util
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType

PACKAGE = "cdktf_cdktf_provider_aws"
ASSEMBLY = "@cdktf/provider-aws"
NODE_HOOK = Path(__file__).with_name("lazy_provider.js")
KERNEL_RUNTIME = Path(__file__).with_name("jsii_kernel.js")


def submodule_fqn(name: str) -> str:
    """``data_aws_lb`` → ``@cdktf/provider-aws.dataAwsLb`` (jsii's snake_case name, reversed)."""
    first, *rest = name.split("_")
    return f"{ASSEMBLY}.{first}{''.join(part[:1].upper() + part[1:] for part in rest)}"


def install() -> ModuleType:
    """Register the lazy package, once. A no-op when the package is imported already."""
    if PACKAGE in sys.modules:
        return sys.modules[PACKAGE]
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"No module named {PACKAGE!r}", name=PACKAGE)
    package = importlib.util.module_from_spec(spec)  # __path__ and __spec__ set; __init__ not run
    submodules = sorted(
        name
        for location in spec.submodule_search_locations
        for name in os.listdir(location)
        if name.isidentifier() and not name.startswith("_")
    )
    public = frozenset(submodules)

    def __getattr__(name: str) -> ModuleType:  # PEP 562: `cdktf_cdktf_provider_aws.lb` imports lb
        if name in public:
            return importlib.import_module(f"{PACKAGE}.{name}")
        raise AttributeError(f"module {PACKAGE!r} has no attribute {name!r}")

    package.__all__ = submodules
    package.__getattr__ = __getattr__
    sys.modules[PACKAGE] = package
    from vending.speedups import early_kernel  # which builds on this module

    try:
        with _kernel_environment():
            early_kernel.hand_over()  # the kernel main.py started early, if it did
            importlib.import_module(f"{PACKAGE}._jsii")  # loads the assembly (and starts the kernel)
    except BaseException:
        del sys.modules[PACKAGE]
        raise
    from jsii import _reference_map

    from vending.speedups import struct_serializer

    _reference_map._submodule_fqn_map.update({submodule_fqn(name): f"{PACKAGE}.{name}" for name in submodules})
    struct_serializer.install()
    return package


def jsii_loaded() -> bool:
    """Whether this process has imported jsii, which starts its kernel on first use: a kernel
    may be running (a forked child would share its pipes; an early one would be a second)."""
    return "jsii" in sys.modules


def kernel_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` as the jsii kernel gets it: with ``lazy_provider.js`` preloaded and, unless
    JSII_RUNTIME names another, ``jsii_kernel.js`` as its runtime."""
    options = f"{environ.get('NODE_OPTIONS', '')} --require {json.dumps(str(NODE_HOOK), ensure_ascii=False)}"
    changed = {**environ, "NODE_OPTIONS": options.strip()}
    if "JSII_RUNTIME" not in environ:
        changed["NODE_OPTIONS"] += " --preserve-symlinks"  # as jsii-runtime.js starts the kernel
        changed["JSII_RUNTIME"] = str(KERNEL_RUNTIME)
        changed["VENDING_JSII_PROGRAM"] = str(_kernel_program())
    return changed


@contextlib.contextmanager
def _kernel_environment() -> Iterator[None]:
    """Start a jsii kernel inside this block (jsii passes the environment of that moment to Node)
    with ``kernel_environment``; the process' own environment is left as it was."""
    changes = {name: value for name, value in kernel_environment(os.environ).items() if os.environ.get(name) != value}
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
def _kernel_program() -> Path:
    """jsii's kernel program, ``lib/program.js`` and the files beside it, copied out of the jsii
    package (as jsii's runtime copies them, ``lib__program.js`` to ``lib/program.js``) into a
    directory removed at exit; once per process. Found without importing jsii, which takes a
    fifth of a second that the early kernel (vending/early_kernel.py) would wait for."""
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
