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
- starts the jsii kernel as kernel.py says, which points Node at the package's own lazy index
  (``lazy_provider.js``), or hands it the kernel main.py started early (early_kernel.py).

Relies on jsii internals (``_reference_map._submodule_fqn_map``) and on the package's layout (one
Python package per jsii submodule, ``lib/lazy-index.js``).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from types import ModuleType

from vending.speedups import early_kernel, kernel

PACKAGE = kernel.PROVIDER_PACKAGE
ASSEMBLY = "@cdktf/provider-aws"


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
    try:
        with kernel.starting():
            early_kernel.hand_over()  # the kernel main.py started early, if it did
            importlib.import_module(f"{PACKAGE}._jsii")  # loads the assembly (and starts the kernel)
    except BaseException:
        del sys.modules[PACKAGE]
        raise
    from jsii import _reference_map

    _reference_map._submodule_fqn_map.update({submodule_fqn(name): f"{PACKAGE}.{name}" for name in submodules})
    return package
