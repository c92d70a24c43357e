"""``cdktf deploy`` of named stacks, with VENDING_STACKS set so that synth builds only them."""

from __future__ import annotations

import os
import sys

from vending.ops import terraform
from vending.settings import Settings
from vending.synth.app import prepare


def cdktf_deploy(settings: Settings, *, auto_approve: bool = False) -> None:
    """Check the configuration and the stack names (``settings.stacks``), then hand this process
    to ``npx cdktf deploy``."""
    assert settings.stacks
    prepare(settings)  # unknown stacks and bad configuration stop here, before cdktf starts
    command = ["npx", "--no-install", "cdktf", "deploy", *settings.stacks]
    if auto_approve:
        command.append("--auto-approve")
    sys.stdout.flush()
    os.execvpe(command[0], command, terraform.environment({**os.environ, "VENDING_STACKS": ",".join(settings.stacks)}))
