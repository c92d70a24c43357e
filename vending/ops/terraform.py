"""Running the real Terraform CLI on synthesized stacks (validate, plan, apply …).

Terraform reads its CLI configuration from ``TF_CLI_CONFIG_FILE``; ``make setup`` writes one
at ``.cache/terraformrc`` that installs hashicorp/* providers from the filesystem mirror
(``TF_PROVIDER_MIRROR``), so nothing is downloaded.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from vending.settings import PROJECT

DEFAULT_CLI_CONFIG = PROJECT / ".cache" / "terraformrc"


def cli_config_text(mirror: str | None) -> str:
    """A Terraform CLI configuration: hashicorp/* from ``mirror`` when given, else the registry."""
    if not mirror:
        return "# No provider mirror configured: providers come from the registry.\n"
    return (
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f"    path    = {json.dumps(mirror)}\n"
        '    include = ["registry.terraform.io/hashicorp/*"]\n'
        "  }\n"
        "  direct {\n"
        '    exclude = ["registry.terraform.io/hashicorp/*"]\n'
        "  }\n"
        "}\n"
    )


def environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for terraform: quiet, non-interactive, using the project's CLI config."""
    env = dict(os.environ if base is None else base)
    env.setdefault("CHECKPOINT_DISABLE", "1")
    env["TF_IN_AUTOMATION"] = "1"
    env["TF_INPUT"] = "0"
    configured = env.get("TF_CLI_CONFIG_FILE")
    if (not configured or not Path(configured).is_file()) and DEFAULT_CLI_CONFIG.is_file():
        env["TF_CLI_CONFIG_FILE"] = str(DEFAULT_CLI_CONFIG)
    mirror = mirror_path(env.get("TF_CLI_CONFIG_FILE"))
    if mirror:
        # Providers are linked from the mirror, so a plugin cache saves nothing; and when the
        # cache is the mirror itself (cdktf defaults it to ~/.terraform.d/plugin-cache, where
        # some machines keep their mirror) terraform refuses to "install a directory to itself".
        env["CDKTF_DISABLE_PLUGIN_CACHE_ENV"] = "1"
        cache = env.get("TF_PLUGIN_CACHE_DIR")
        if cache and Path(cache).resolve() == mirror.resolve():
            del env["TF_PLUGIN_CACHE_DIR"]
    return env


def mirror_path(cli_config: str | None) -> Path | None:
    """The filesystem mirror a Terraform CLI configuration file names, if any."""
    if not cli_config or not Path(cli_config).is_file():
        return None
    found = re.search(r'filesystem_mirror\s*{[^}]*?path\s*=\s*"([^"]+)"', Path(cli_config).read_text())
    return Path(found.group(1)) if found else None


def binary() -> str:
    found = shutil.which("terraform")
    if found is None:
        raise FileNotFoundError("terraform is not on PATH (install Terraform ≥ 1.10)")
    return found


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([binary(), *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)


def init(directory: Path, env: dict[str, str], backend: str = "-reconfigure") -> None:
    """``terraform init`` of a stack: against its real backend by default (``-reconfigure`` only
    re-reads the backend settings, never migrates state), or ``-backend=false``. Providers are
    linked from the mirror, not copied."""
    result = run(["init", "-input=false", "-no-color", backend], directory, env)
    if result.returncode != 0:
        raise RuntimeError(f"terraform init failed in {directory}:\n{result.stderr or result.stdout}")
