"""The lazy import of the provider bindings (vending/lazy_provider.py) against the installed,
pinned versions: it relies on jsii internals and on the bindings' layout."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from tests.conftest import ROOT
from vending import lazy_provider

PINNED = {"jsii": "1.142.0", "cdktf": "0.21.0", "cdktf-cdktf-provider-aws": "20.1.0", "constructs": "10.4.2"}


def run_python(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_versions_it_was_written_for_are_installed():
    assert {name: metadata.version(name) for name in PINNED} == PINNED
    pipfile = (ROOT / "Pipfile").read_text()
    assert all(f'{name} = "=={version}"' in pipfile for name, version in PINNED.items())


def test_every_submodule_holds_the_types_of_the_jsii_submodule_named_after_it():
    package = Path(importlib.util.find_spec(lazy_provider.PACKAGE).origin).parent
    submodules = sorted(p.name for p in package.iterdir() if p.name.isidentifier() and not p.name.startswith("_"))
    assert len(submodules) == 2135
    wrong = []
    for name in submodules:
        with open(package / name / "__init__.py", encoding="utf-8") as source:
            match = re.search(r'jsii_type="([^"]+)\.[A-Za-z0-9_]+"', source.read(20_000))
        if match is None or match[1] != lazy_provider.submodule_fqn(name):
            wrong.append((name, match and match[1]))
    assert wrong == []


def test_only_the_submodules_used_are_imported():
    out = run_python(
        "import sys\n"
        "from vending import lazy_provider\n"
        "aws = lazy_provider.install()\n"
        "from cdktf_cdktf_provider_aws.lb import Lb\n"
        "prefix = 'cdktf_cdktf_provider_aws.'\n"  # publication adds a ._private twin to each module
        "print(*sorted(m for m in sys.modules if m.startswith(prefix) and not m.endswith('._private')))\n"
        "print(len(aws.__all__), aws.sqs_queue.SqsQueue.__name__, hasattr(aws, 'no_such_thing'))"
    )
    assert out.splitlines() == ["cdktf_cdktf_provider_aws._jsii cdktf_cdktf_provider_aws.lb", "2135 SqsQueue False"]


def test_a_type_from_a_submodule_not_yet_imported_is_resolved_on_demand():
    # An object made on the Node side whose Python module nobody imported: jsii must import it.
    out = run_python(
        "import sys\n"
        "from vending import lazy_provider\n"
        "lazy_provider.install()\n"
        "import cdktf\n"
        "from jsii._kernel.types import CreateRequest\n"
        "from jsii._reference_map import resolve_reference\n"
        "from jsii._runtime import kernel\n"
        "stack = cdktf.TerraformStack(cdktf.App(), 'stack')\n"
        "fqn = '@cdktf/provider-aws.sqsQueue.SqsQueue'\n"
        "before = 'cdktf_cdktf_provider_aws.sqs_queue' in sys.modules\n"
        "ref = kernel.provider.create(CreateRequest(fqn=fqn, args=[stack.__jsii_ref__, 'q']))\n"
        "queue = resolve_reference(kernel, ref)\n"
        "print(before, type(queue).__module__, type(queue).__name__, queue.node.id)"
    )
    assert out == "False cdktf_cdktf_provider_aws.sqs_queue SqsQueue q"
