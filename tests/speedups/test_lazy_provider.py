"""The lazy import of the provider bindings (vending/speedups/lazy_provider.py) against the installed,
pinned versions: it relies on jsii internals and on the bindings' layout."""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import re
import subprocess
from pathlib import Path

from tests.conftest import run_python
from vending import speedups
from vending.speedups import lazy_provider
from vending.speedups.kernel import KERNEL_RUNTIME


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
        "from vending.speedups import lazy_provider\n"
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
        "from vending.speedups import lazy_provider\n"
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


def test_the_kernel_runs_in_the_node_process_python_starts_and_tokens_record_no_stack_trace():
    # jsii's own runtime would start a second Node process behind a relay; cdktf would record a
    # stack trace of several frames for every token.
    lazy_provider.install()
    import cdktf
    from jsii._runtime import kernel

    node = kernel.provider._process._process.pid
    tasks = os.listdir(f"/proc/{node}/task")
    children = [c for t in tasks for c in Path(f"/proc/{node}/task/{t}/children").read_text().split()]
    assert (len(children), len(cdktf.Token.as_any("x").creation_stack)) == (0, 0)
    plain = run_python("import cdktf\nprint(len(cdktf.Token.as_any('x').creation_stack) > 0)")
    assert plain == "True"


def test_the_kernel_runtime_keeps_stdin_and_stdout_for_jsii_messages(tmp_path):
    # A stand-in for jsii's program: it answers on descriptor 3 and prints on the way.
    program = tmp_path / "program.js"
    program.write_text(
        'const fs = require("fs");\n'
        "const buffer = Buffer.alloc(100);\n"
        "const read = fs.readSync(3, buffer, 0, 100, null);\n"
        'console.log("printed");\n'
        'process.stderr.write("warned\\n");\n'
        'fs.writeSync(3, Buffer.from(buffer.toString("utf-8", 0, read).toUpperCase()));\n'
    )
    result = subprocess.run(
        ["node", str(KERNEL_RUNTIME)],
        input='{"hello":1}\n',
        env={**os.environ, "VENDING_JSII_PROGRAM": str(program)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == '{"HELLO":1}\n'
    relayed = [json.loads(line) for line in result.stderr.splitlines()]
    assert relayed == [
        {"stdout": base64.b64encode(b"printed\n").decode()},
        {"stderr": base64.b64encode(b"warned\n").decode()},
    ]


def test_structs_are_handed_to_jsii_as_jsii_hands_them():
    speedups.install(True)  # before the provider's modules are imported, or they come whole
    import jsii._kernel
    from cdktf import App, AssetType, TerraformStack
    from cdktf_cdktf_provider_aws.launch_template import LaunchTemplateTagSpecifications
    from cdktf_cdktf_provider_aws.s3_bucket_versioning import S3BucketVersioningVersioningConfiguration
    from jsii._runtime import kernel

    serializer = jsii._kernel._make_reference_for_native
    assert serializer.reads_struct_values
    stack = TerraformStack(App(), "stack")
    values = [
        S3BucketVersioningVersioningConfiguration(status="Enabled"),
        [LaunchTemplateTagSpecifications(resource_type="instance", tags={"a": "b"}), None, 1.5, True],
        {"nested": {"configuration": S3BucketVersioningVersioningConfiguration(status="Suspended", mfa_delete=None)}},
        AssetType.ARCHIVE,
        stack,
        "${TfToken[TOKEN.1]}",
    ]
    for value in values:
        assert serializer(kernel, value) == serializer.original(kernel, value)
