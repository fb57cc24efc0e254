"""The machine a benchmark ran on, so that every figure in RESULTS.md can be put in context.

Why this exists: wall times mean little without the cores, the CPU and the exact versions of the
libraries that did the work (botocore's serialisation and moto's EC2 backend dominate most of
them). Everything here is read from the running interpreter and the OS, never typed in.
"""

from __future__ import annotations

import os
import platform
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

    def lines(self) -> list[str]:
        """`name: value` lines, in the order RESULTS.md shows them."""
        versions = ", ".join(f"{name} {version}" for name, version in self.packages.items())
        return [
            f"cores: {self.cores}",
            f"CPU: {self.cpu_model}",
            f"Python: {self.python}",
            f"OS: {self.system}",
            f"packages: {versions}",
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


def describe_machine() -> Machine:
    return Machine(
        cores=_cores(),
        cpu_model=_cpu_model(),
        python=f"{platform.python_implementation()} {sys.version.split()[0]}",
        system=f"{platform.system()} {platform.release()} ({platform.machine()})",
        packages={name: _version(name) for name in MEASURED_PACKAGES},
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
