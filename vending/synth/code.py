"""Which of the repository's files shape the synthesized output: a change to any of them may
change every stack. Review, CLI, emulator and operations code shape none; neither do docs,
tests or CI files."""

from __future__ import annotations

# Paths relative to the repository root: files, or folders ending in "/".
SHAPES_OUTPUT = (
    "vending/model/",  # the configuration contract
    "vending/synth/",  # stacks, components, policies, protection
    "vending/speedups/",  # byte-identical by test, but they run inside every synth
    "vending/settings.py",  # the knobs
    "vending/assets/codedeploy-agent.sh",  # the fleet's user data
    "main.py",
    "cdktf.json",
    "Pipfile",
    "Pipfile.lock",
    "package.json",
    "package-lock.json",
)


def shapes_output(path: str) -> bool:
    """Whether a change to ``path`` (relative to the repository root) may change any stack."""
    return any(path == p or (p.endswith("/") and path.startswith(p)) for p in SHAPES_OUTPUT)
