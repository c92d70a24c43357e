"""The synth entry point: knobs, one-line errors, and a previous cdktf.out left untouched."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import run_main, run_python, synthesize, tree_digest
from vending.errors import ConfigError
from vending.settings import Settings
from vending.synth import app


@pytest.fixture
def previous_output(tmp_path) -> Path:
    outdir = tmp_path / "cdktf.out"
    (outdir / "stacks" / "acme-prod").mkdir(parents=True)
    (outdir / "manifest.json").write_text('{"previous": true}')
    (outdir / "stacks" / "acme-prod" / "cdk.tf.json").write_text("{}")
    return outdir


def test_broken_customer_file_gives_one_line_and_changes_nothing(config_dir, previous_output):
    config_dir.customer("acme", "prod", instances={"min": 5, "max": 3})
    before = tree_digest(previous_output)
    result = run_main(config_dir.path, previous_output)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "customers/acme-prod.yaml: instances.min: must be ≤ instances.max (got 5 > 3)",
        "synth stopped: 1 problem(s); nothing was written",
    ]
    assert "Traceback" not in result.stderr
    assert tree_digest(previous_output) == before
    assert not (config_dir.path / "priorities.lock").exists()


def test_unknown_stack_in_vending_stacks(config_dir, previous_output):
    config_dir.customer("acme", "dev")
    result = run_main(config_dir.path, previous_output, VENDING_STACKS="acme-dev,acme-qa")
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        "VENDING_STACKS: unknown stack 'acme-qa' (known: shared-alb, acme-dev, acme-dev-pipeline)"
    )


def test_failure_during_synthesis_keeps_the_previous_output(config_dir, previous_output, monkeypatch):
    config_dir.customer("acme", "dev")
    before = tree_digest(previous_output)

    def explode(prepared, outdir):
        (outdir / "half-written.json").write_text("{")
        raise RuntimeError("boom")

    monkeypatch.setattr(app, "build", explode)
    with pytest.raises(RuntimeError):
        app.synthesize(Settings(customers_dir=config_dir.path, outdir=previous_output), log=lambda _: None)
    assert tree_digest(previous_output) == before
    assert sorted(p.name for p in previous_output.parent.iterdir()) == ["cdktf.out", "customers"]


def test_vending_stacks_builds_only_the_named_stacks(samples_dir, tmp_path, sample_synth):
    out = synthesize(samples_dir, tmp_path / "cdktf.out", stacks=("acme-prod",))
    assert out.stack_names() == ["acme-prod"]
    assert out.stack("acme-prod") == sample_synth.stack("acme-prod")


def test_settings_from_environment():
    settings = Settings.from_environ(
        {
            "VENDING_CUSTOMERS_DIR": "elsewhere",
            "CDKTF_OUTDIR": "/tmp/out",
            "VENDING_STACKS": " acme-prod, shared-alb ,",
            "AWS_ENDPOINT_URL": "",
        }
    )
    assert settings.customers_dir == Path("elsewhere") and settings.outdir == Path("/tmp/out")
    assert settings.stacks == ("acme-prod", "shared-alb") and settings.endpoint_url is None
    assert Settings.from_environ({}).stacks is None
    assert [Settings.from_environ({"VENDING_SPEEDUPS": v}).speedups for v in ("", "on", "off", "OFF")] == [
        True,
        True,
        False,
        False,
    ]
    with pytest.raises(ConfigError, match=r"VENDING_SPEEDUPS: must be on or off \(got 'no'\)"):
        Settings.from_environ({"VENDING_SPEEDUPS": "no"})


def test_config_error_is_raised_before_cdktf_is_imported(config_dir):
    config_dir.customer("acme", "dev", instances={"min": 9, "max": 1})
    code = (
        "import sys; from vending.synth.app import prepare; from vending.settings import Settings\n"
        f"try: prepare(Settings(customers_dir=__import__('pathlib').Path({str(config_dir.path)!r})))\n"
        "except Exception as e: print(type(e).__name__, 'cdktf' in sys.modules)"
    )
    assert run_python(code) == "ConfigError False"


def test_a_subset_synth_leaves_the_other_stacks_output_alone(samples_dir, tmp_path):
    outdir = tmp_path / "cdktf.out"
    (outdir / "stacks" / "globex-prod").mkdir(parents=True)
    (outdir / "stacks" / "globex-prod" / "cdk.tf.json").write_text("{}")
    out = synthesize(samples_dir, outdir, stacks=("acme-dev",))
    assert out.stack_names() == ["acme-dev"]
    assert (outdir / "stacks" / "globex-prod" / "cdk.tf.json").read_text() == "{}"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_vending_stacks_imports_only_what_the_named_stacks_need(samples_dir, tmp_path):
    code = (
        "import sys; from pathlib import Path\n"
        "from vending import speedups\n"
        "from vending.synth.app import synthesize; from vending.settings import Settings\n"
        "install = speedups.install\n"  # it must start the jsii kernel, or Node loads every submodule
        "speedups.install = lambda enabled: print('jsii' in sys.modules) or install(enabled)\n"
        f"synthesize(Settings(customers_dir=Path({str(samples_dir)!r}), outdir=Path({str(tmp_path / 'out')!r}),"
        " stacks=('acme-prod',)), log=lambda line: None)\n"
        "print(sorted(m for m in sys.modules if m.startswith('vending.synth.stacks.')))\n"
        "print('cdktf_cdktf_provider_aws.codepipeline' in sys.modules, 'cdktf_cdktf_provider_aws.lb' in sys.modules)"
    )
    assert run_python(code).splitlines() == [
        "False",
        "['vending.synth.stacks.base', 'vending.synth.stacks.environment']",
        "False True",
    ]


def test_deploy_runs_cdktf_deploy_building_only_the_named_stacks(samples_dir, monkeypatch):
    from vending import cli

    ran = []
    monkeypatch.setenv("VENDING_CUSTOMERS_DIR", str(samples_dir))
    monkeypatch.setattr(os, "execvpe", lambda file, args, env: ran.append((file, args, env["VENDING_STACKS"])))
    cli.main(["deploy", "acme-prod", "acme-prod-pipeline", "--auto-approve"])
    assert ran == [
        (
            "npx",
            ["npx", "--no-install", "cdktf", "deploy", "acme-prod", "acme-prod-pipeline", "--auto-approve"],
            "acme-prod,acme-prod-pipeline",
        )
    ]


def test_deploy_of_an_unknown_stack_stops_before_cdktf(samples_dir, monkeypatch, capsys):
    from vending import cli

    monkeypatch.setenv("VENDING_CUSTOMERS_DIR", str(samples_dir))
    monkeypatch.setattr(os, "execvpe", lambda *args: pytest.fail("cdktf was run"))
    assert cli.main(["deploy", "acme-qa"]) == 1
    assert capsys.readouterr().err.startswith("VENDING_STACKS: unknown stack 'acme-qa' (known: shared-alb, acme-dev")
