"""Terraform Cloud backend: every stack gets a ``cloud`` block with its own workspace, and the
stacks still pass ``terraform validate``."""

from __future__ import annotations

from tests.conftest import DELETE, ConfigDir, synthesize
from vending.ops import validation


def test_every_stack_gets_its_own_workspace_and_validates(tmp_path):
    config = ConfigDir(tmp_path / "customers").customer("acme", "prod").customer("acme", "dev")
    config.platform(
        state={
            "backend": "cloud",
            "organization": "acme-platform",
            "workspace_prefix": "vend-",
            "hostname": "tfe.example.com",
            "bucket": DELETE,
        }
    )
    synth = synthesize(config.path, tmp_path / "cdktf.out")
    stacks = synth.stack_names()
    assert stacks == ["acme-dev", "acme-dev-pipeline", "acme-prod", "acme-prod-pipeline", "shared-alb"]
    for name in stacks:
        block = synth.stack(name)["terraform"]
        assert "backend" not in block
        assert block["cloud"] == {
            "organization": "acme-platform",
            "hostname": "tfe.example.com",
            "workspaces": {"name": f"vend-{name}"},
        }
    results = validation.validate(synth.outdir).checked
    assert all(r.valid for r in results), "\n".join(r.summary() for r in results)
