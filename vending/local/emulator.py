"""The local AWS emulator: moto in server mode on 127.0.0.1, started and stopped by PID.

``vending local up`` starts it on a free port and remembers its PID and address in
a state file; ``down`` stops exactly that process (never anything else listening there);
``status`` says whether it runs. Point the tools at it with the printed AWS_ENDPOINT_URL.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from vending.files import write_atomically
from vending.settings import PROJECT

HOST = "127.0.0.1"  # loopback only
STATE_FILE = Path(".cache/emulator/emulator.json")  # `vending local`'s emulator
READY_TIMEOUT_SECONDS = 60
# Credentials and region for the emulator: moto accepts anything, the SDKs insist on some.
EMULATOR_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
}


class EmulatorError(Exception):
    pass


@dataclass(frozen=True)
class Emulator:
    pid: int
    port: int
    log: str

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def environment(self, region: str) -> dict[str, str]:
        """Variables that point AWS SDKs, Terraform and Packer at this emulator."""
        return {**EMULATOR_ENV, "AWS_ENDPOINT_URL": self.url, "AWS_REGION": region, "AWS_DEFAULT_REGION": region}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


SERVER_MODULE = "vending.local.server"


def _is_emulator(pid: int) -> bool:
    """Whether ``pid`` is (still) an emulator server: a recycled PID must never be signalled."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return SERVER_MODULE.encode() in cmdline


def _responds(emulator: Emulator) -> bool:
    try:
        # The dashboard, not its data.json: moto fails to serialize some state (IAM groups) there.
        with urllib.request.urlopen(f"{emulator.url}/moto-api/", timeout=2) as response:  # noqa: S310
            return response.status == 200
    except OSError:
        return False


def read_state(state_file: Path) -> Emulator | None:
    try:
        return Emulator(**json.loads(state_file.read_text()))
    except (OSError, ValueError, TypeError):
        return None


def running(state_file: Path) -> Emulator | None:
    """The emulator recorded in ``state_file`` if that very process still runs and answers."""
    emulator = read_state(state_file)
    if emulator and _is_emulator(emulator.pid) and _responds(emulator):
        return emulator
    return None


def up(state_file: Path) -> tuple[Emulator, bool]:
    """Start the emulator unless it already runs; return it and whether it was started now."""
    current = running(state_file)
    if current:
        return current, False
    state_file.parent.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = state_file.with_suffix(".log")
    env = {
        **os.environ,
        "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",  # AWS-managed policies exist, as in AWS
        "MOTO_ACM_VALIDATION_WAIT": "0",  # a requested certificate is issued at once (its DNS is not real)
        "PYTHONPATH": str(PROJECT),
    }
    with open(log, "ab") as output:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", SERVER_MODULE, "-H", HOST, "-p", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # survives the command that started it; stopped by PID
        )
    emulator = Emulator(pid=process.pid, port=port, log=str(log))
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while not _responds(emulator):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise EmulatorError(f"the emulator did not start; see {log}")
        time.sleep(0.2)
    write_atomically(state_file, json.dumps(asdict(emulator)))
    return emulator, True


def down(state_file: Path) -> Emulator | None:
    """Stop the recorded emulator process (only if it is still the emulator) and forget it."""
    emulator = read_state(state_file)
    if emulator and _is_emulator(emulator.pid):
        os.kill(emulator.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while _is_emulator(emulator.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
            _reap(emulator.pid)
        if _is_emulator(emulator.pid):
            os.kill(emulator.pid, signal.SIGKILL)
            _reap(emulator.pid)
    state_file.unlink(missing_ok=True)
    return emulator


def _reap(pid: int) -> None:
    """Collect the exit status when the emulator is our own child (tests start it in-process)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
