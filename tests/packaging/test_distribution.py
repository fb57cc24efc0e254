"""Other Pulumi programs use the component as a package: build it as they would install it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

COMPONENTS = Path(__file__).resolve().parents[2] / "components"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--wheel-dir",
            str(out),
            str(COMPONENTS),
        ],
        check=True,
    )
    [built] = out.glob("pulumi_ami_lifecycle-*.whl")
    return zipfile.ZipFile(built)


def test_the_wheel_ships_the_package_its_types_and_its_iam_policy(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    assert {
        "ami_lifecycle/__init__.py",
        "ami_lifecycle/py.typed",
        "ami_lifecycle/iam-policy.json",
        "ami_lifecycle/provider/image.py",
        "ami_lifecycle/provider/snapshot.py",
    } <= names
    # Only the one distinctive top-level package: no generic `components` or dev tools.
    assert {
        name.split("/")[0] for name in names if not name.startswith("pulumi_ami_lifecycle-")
    } == {"ami_lifecycle"}


def test_the_wheel_declares_its_runtime_dependencies(wheel: zipfile.ZipFile) -> None:
    [metadata] = [n for n in wheel.namelist() if n.endswith("METADATA")]
    requires = [
        line
        for line in wheel.read(metadata).decode().splitlines()
        if line.startswith("Requires-Dist")
    ]
    assert any("pulumi" in line for line in requires)
    assert any("boto3" in line for line in requires)
