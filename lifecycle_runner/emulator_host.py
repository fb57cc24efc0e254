"""``python -m lifecycle_runner.emulator_host``: the local EC2 emulator's own process.

Why this exists: moto keeps its state in process-wide globals, so the emulator runs in a
process of its own, where it can outlive one runner invocation (a later ``destroy`` must find
what ``up`` created) and cannot mix with anything else that uses moto. Like a Pulumi plugin it
writes one line, its endpoint URL, on stdout, and nothing after. It stops on SIGTERM, or, with
``--until-stdin-closes``, when its parent goes away.

:func:`start_server` is the one place that chooses the server: ``ec2_emulator``'s
``EmulatorServer``, which knows deregistration protection, ``DeleteAssociatedSnapshots`` and
block device mappings as AWS documents them.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import Protocol


class Server(Protocol):
    @property
    def endpoint_url(self) -> str: ...

    def stop(self) -> None: ...


def start_server() -> Server:
    """The project's EC2 emulator (moto taught the 2025 AMI API) on a free local port."""
    from ec2_emulator import EmulatorServer

    return EmulatorServer().start()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lifecycle_runner.emulator_host")
    parser.add_argument("--until-stdin-closes", action="store_true")
    args = parser.parse_args(argv)

    server = start_server()
    sys.stdout.write(server.endpoint_url + "\n")
    sys.stdout.flush()
    # Nothing else may reach stdout: nobody reads it any more.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())

    done = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if args.until_stdin_closes:

        def wait_for_parent() -> None:
            sys.stdin.read()
            done.set()

        threading.Thread(target=wait_for_parent, daemon=True).start()
    while not done.wait(1.0):
        pass
    server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
