"""What makes synth fast by relying on jsii's and cdktf's internals, behind one switch.

- ``lazy_provider``: only the provider submodules that are used are loaded, in Python and Node;
- ``kernel``: the kernel runs in the Node process Python starts (``jsii_kernel.js``), and cdktf
  records no stack trace per token (``lazy_provider.js``);
- ``early_kernel``: Node starts while Python reads the configuration;
- ``struct_serializer``: structs are handed to jsii from their values.

Synth calls ``install()`` before it imports cdktf, and the synth command calls ``start_early()``
first thing. Both do nothing when ``VENDING_SPEEDUPS=off``, or when the installed jsii, cdktf,
provider and constructs are not the versions in ``PINS`` (the internals above were read off
those): then a warning says so, once, and jsii runs as it comes. The output is the same byte for
byte either way (tests/speedups/test_speedups.py), only slower.

To remove the speed-ups for good, delete this package and the two calls: ``speedups.install`` in
vending/synth/app.py and ``speedups.start_early`` in vending/cli/synth.py.
"""

from __future__ import annotations

import functools
import sys

# The versions whose internals the speed-ups were written against (the Pipfile pins the same;
# tests/speedups/test_speedups.py checks that the two agree).
PINS = {"jsii": "1.142.0", "cdktf": "0.21.0", "cdktf-cdktf-provider-aws": "20.1.0", "constructs": "10.4.2"}


def installed() -> dict[str, str | None]:
    """The installed version of each pinned distribution (None when it is missing)."""
    from importlib import metadata

    found: dict[str, str | None] = {}
    for name in PINS:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


@functools.cache
def compatible() -> bool:
    """Whether the installed versions are the pinned ones; if not, a warning on stderr says so,
    once per process (a synth worker, forked later, inherits the answer)."""
    differ = {name: version for name, version in installed().items() if version != PINS[name]}
    if differ:
        found = ", ".join(f"{name} {version or 'missing'} (pinned {PINS[name]})" for name, version in differ.items())
        print(f"warning: speed-ups off: {found}; they rely on those versions' internals", file=sys.stderr)
    return not differ


def install(enabled: bool) -> None:
    """Before cdktf is imported: the lazy provider import, the kernel's runtime and hooks (or the
    kernel started early), and the struct serializer."""
    if not (enabled and compatible()):
        return
    from vending.speedups import lazy_provider, struct_serializer

    lazy_provider.install()
    struct_serializer.install()


def start_early(enabled: bool) -> None:
    """Start the jsii kernel now, before the configuration is read (see early_kernel)."""
    if enabled and compatible():
        from vending.speedups import early_kernel

        early_kernel.start()
