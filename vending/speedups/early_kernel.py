"""The jsii kernel, started before it is needed, so that Node starts while Python reads the
configuration.

A synth in one process waits about half a second for Node: jsii starts its kernel only when the
first binding is imported, after the configuration is read, and then loads three assemblies
(constructs, cdktf, the provider) one after the other. ``start()``, called first thing by main.py,
starts the process jsii would start and sends it the three loads at once; Python meanwhile imports
and validates the configuration, and Node runs on another core. When jsii starts its kernel
(``lazy_provider.install``), ``hand_over()`` gives it that process and answers its loads with the
answers already there.

Nothing changes in what jsii ends up with: if it would start the process otherwise (another command
or environment), the early process is stopped and jsii starts its own; a load that failed early is
left for jsii to do again, and report, itself. Relies on jsii internals (its ``start`` calls
``subprocess.Popen``, the ``_process`` of its provider), pinned with the rest (lazy_provider).
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import platform
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from vending.speedups import kernel

# The Python packages whose assemblies the app loads, in the order jsii loads them.
PACKAGES = ("constructs", "cdktf", kernel.PROVIDER_PACKAGE)
# What each package's _jsii module runs: JSIIAssembly.load(name, version, module, tarball).
_LOAD = re.compile(r'JSIIAssembly\.load\(\s*"([^"]+)",\s*"([^"]+)",\s*__name__\[0:-6\],\s*"([^"]+)"\s*\)')

Load = tuple[str, str, str]  # (name, version, tarball), as jsii asks the kernel


@dataclass
class _Early:
    process: subprocess.Popen
    command: list[str]
    environment: dict[str, str]
    loads: list[Load]
    pid: int = field(default_factory=os.getpid)  # a forked child must not stop its parent's kernel


_early: _Early | None = None


def start() -> None:
    """Start the kernel and send it the loads. Nothing happens once jsii is imported (its kernel
    may be running already), or when Node cannot be started: jsii will say why when it needs it."""
    global _early
    if _early is not None or kernel.jsii_loaded():
        return
    # As jsii's _NodeProcess.start builds them, inside the kernel environment (kernel.py).
    environment = {**kernel.environment(os.environ), "JSII_AGENT": f"Python/{platform.python_version()}"}
    command = [environment.get("JSII_NODE", "node"), "--max-old-space-size=4069", environment["JSII_RUNTIME"]]
    loads = assemblies()
    requests = b"".join(
        json.dumps({"api": "load", "name": name, "version": version, "tarball": tarball}).encode() + b"\n"
        for name, version, tarball in loads
    )
    pipe = subprocess.PIPE
    try:
        process = subprocess.Popen(command, stdin=pipe, stdout=pipe, stderr=pipe, env=environment)
    except OSError:
        return
    early = _Early(process, command, environment, loads)
    try:
        process.stdin.write(requests)
        process.stdin.flush()
    except BrokenPipeError:  # Node has exited already
        _stop(early)
        return
    _early = early
    atexit.register(_stop_unused)


def assemblies() -> list[Load]:
    """The loads the packages' _jsii modules will ask of jsii, read from their source without
    importing them; up to the first package that is missing or reads otherwise."""
    loads = []
    for package in PACKAGES:
        spec = importlib.util.find_spec(package)
        source = Path(spec.submodule_search_locations[0]) / "_jsii" / "__init__.py" if spec else None
        found = _LOAD.search(source.read_text(encoding="utf-8")) if source and source.is_file() else None
        if found is None:
            break
        name, version, tarball = found.groups()
        loads.append((name, version, str(source.with_name(tarball))))
    return loads


def hand_over() -> None:
    """Make the early kernel, if one runs, jsii's kernel; call it where jsii would start one."""
    global _early
    early, _early = _early, None
    if early is None or early.pid != os.getpid():  # a forked child leaves its parent's kernel alone
        return
    from jsii._kernel.providers import process as jsii_process
    from jsii._runtime import kernel

    jsii_subprocess = jsii_process.subprocess
    jsii_process.subprocess = _Adopting(early)  # what jsii's start() calls Popen on
    try:
        node = kernel.provider._process  # jsii starts its kernel now (or has already)
    finally:
        jsii_process.subprocess = jsii_subprocess
    if node._process is not early.process:
        _stop(early)
        return
    answers = {load: node._next_message() for load in early.loads}  # in the order sent
    jsii_load = kernel.provider.load

    def load(request):
        answer = answers.pop((request.name, request.version, request.tarball), None)
        if answer is None or "ok" not in answer:
            return jsii_load(request)
        return node._serializer.structure(answer["ok"], jsii_process.LoadResponse)

    kernel.provider.load = load


class _Adopting:
    """The subprocess module, as jsii's start() sees it while the early kernel is handed over."""

    PIPE = subprocess.PIPE

    def __init__(self, early: _Early):
        self.early = early

    def Popen(self, command: list[str], **options) -> subprocess.Popen:  # noqa: N802 - subprocess's name
        if command == self.early.command and options.get("env") == self.early.environment:
            return self.early.process
        return subprocess.Popen(command, **options)


def _stop_unused() -> None:
    if _early is not None and _early.pid == os.getpid():
        _stop(_early)


def _stop(early: _Early) -> None:
    """As jsii stops its kernel: tell it to exit, and wait (it removes its files on the way)."""
    try:
        early.process.communicate(b'{"exit":0}\n', timeout=5)
    except subprocess.TimeoutExpired:
        early.process.kill()
        early.process.communicate()
