"""The machine a benchmark ran on, so that every figure in RESULTS.md can be put in context.

Why this exists: wall times mean little without the cores, the CPU and the exact versions of the
libraries that did the work (botocore's serialisation and moto's EC2 backend dominate most of
them). Everything here is read from the running interpreter, the OS and the pinned CLI, never
typed in.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

__all__ = ["MEASURED_PACKAGES", "Machine", "describe_machine"]

MEASURED_PACKAGES = ("boto3", "botocore", "moto", "pulumi", "pulumi_policy", "grpcio")
"""The libraries whose versions decide the figures."""


@dataclass(frozen=True)
class Machine:
    cores: int
    cpu_model: str
    python: str
    system: str
    packages: dict[str, str]
    date: str
    pulumi_cli: str = "not installed"

    def lines(self) -> list[str]:
        """`name: value` lines, in the order RESULTS.md shows them."""
        versions = ", ".join(f"{name} {version}" for name, version in self.packages.items())
        return [
            f"cores: {self.cores}",
            f"CPU: {self.cpu_model}",
            f"Python: {self.python}",
            f"OS: {self.system}",
            f"packages: {versions}",
            f"Pulumi CLI: {self.pulumi_cli}",
            f"date: {self.date}",
        ]


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Hardware", "Processor") and value.strip():
                return value.strip()
    return platform.processor() or platform.machine() or "unknown"


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _pulumi_cli() -> str:
    """The pinned CLI's own answer to `pulumi version`."""
    cli = Path(__file__).resolve().parent.parent / ".tools" / "bin" / "pulumi"
    if not cli.exists():
        return "not installed"
    try:
        done = subprocess.run(
            [str(cli), "version"], capture_output=True, text=True, timeout=30, check=True
        )
    except (OSError, subprocess.SubprocessError) as error:
        return f"unknown ({type(error).__name__})"
    return done.stdout.strip() or "unknown"


def describe_machine() -> Machine:
    return Machine(
        cores=_cores(),
        cpu_model=_cpu_model(),
        python=f"{platform.python_implementation()} {sys.version.split()[0]}",
        system=f"{platform.system()} {platform.release()} ({platform.machine()})",
        packages={name: _version(name) for name in MEASURED_PACKAGES},
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        pulumi_cli=_pulumi_cli(),
    )
