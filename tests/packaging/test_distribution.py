"""The two distributions, built as `pip install` builds them: the provider plugin
(`pulumi-resource-ami-lifecycle`, package `ami_lifecycle`) and the Python SDK
(`pulumi-ami-lifecycle`, package `pulumi_ami_lifecycle`)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from email.message import Message
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]


def build_wheel(source: Path, out: Path) -> Iterator[zipfile.ZipFile]:
    # From a clean copy: setuptools puts whatever a `build/` left over from an earlier build
    # holds into the wheel, so a build in place could ship files deleted since.
    tree = out / "source"
    shutil.copytree(
        source, tree, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__")
    )
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"]
    subprocess.run(
        [*pip_wheel, "--wheel-dir", str(out), str(tree)],
        check=True,
    )
    [built] = out.glob("*.whl")
    with zipfile.ZipFile(built) as wheel:
        yield wheel


@pytest.fixture(scope="module")
def provider_wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[zipfile.ZipFile]:
    yield from build_wheel(ROOT / "provider", tmp_path_factory.mktemp("provider"))


@pytest.fixture(scope="module")
def sdk_wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[zipfile.ZipFile]:
    yield from build_wheel(ROOT / "sdk" / "python", tmp_path_factory.mktemp("sdk"))


def dist_info(wheel: zipfile.ZipFile, name: str) -> str:
    [path] = [
        n
        for n in wheel.namelist()
        if n.split("/")[0].endswith(".dist-info") and n.endswith(f"/{name}")
    ]
    return wheel.read(path).decode()


def metadata(wheel: zipfile.ZipFile) -> Message:
    return Parser().parsestr(dist_info(wheel, "METADATA"))


def required(wheel: zipfile.ZipFile) -> list[str]:
    """The names of the distributions the wheel depends on."""
    return sorted(Requirement(r).name for r in metadata(wheel).get_all("Requires-Dist") or [])


def top_level(wheel: zipfile.ZipFile) -> set[str]:
    return {n.split("/")[0] for n in wheel.namelist() if ".dist-info/" not in n}


def test_the_provider_wheel_is_the_plugin_package_with_its_types_and_iam_policy(
    provider_wheel: zipfile.ZipFile,
) -> None:
    assert metadata(provider_wheel)["Name"] == "pulumi-resource-ami-lifecycle"
    names = set(provider_wheel.namelist())
    assert {
        "ami_lifecycle/__init__.py",
        "ami_lifecycle/py.typed",
        "ami_lifecycle/iam-policy.json",
        "ami_lifecycle/plugin.py",
        "ami_lifecycle/schema.py",
        "ami_lifecycle/machine_image.py",
        "ami_lifecycle/provider/image.py",
        "ami_lifecycle/provider/snapshot.py",
        "ami_lifecycle/provider/imported.py",
    } <= names
    # Only the one distinctive package: no SDK, tests or tools beside it.
    assert top_level(provider_wheel) == {"ami_lifecycle"}


def test_the_provider_wheel_installs_the_plugin_command_the_engine_looks_for(
    provider_wheel: zipfile.ZipFile,
) -> None:
    entry_points = dist_info(provider_wheel, "entry_points.txt")
    section, script = (line.strip() for line in entry_points.strip().splitlines())
    assert section == "[console_scripts]"
    assert script == "pulumi-resource-ami-lifecycle = ami_lifecycle.plugin:main"


def test_the_provider_wheel_declares_its_runtime_dependencies(
    provider_wheel: zipfile.ZipFile,
) -> None:
    assert required(provider_wheel) == ["boto3", "pulumi"]


def test_the_sdk_wheel_is_the_sdk_package_alone(sdk_wheel: zipfile.ZipFile) -> None:
    assert metadata(sdk_wheel)["Name"] == "pulumi-ami-lifecycle"
    names = set(sdk_wheel.namelist())
    assert {
        "pulumi_ami_lifecycle/__init__.py",
        "pulumi_ami_lifecycle/args.py",
        "pulumi_ami_lifecycle/resources.py",
        "pulumi_ami_lifecycle/py.typed",
    } <= names
    # A program installs the SDK only; the plugin (and boto3) come with the provider's wheel.
    assert top_level(sdk_wheel) == {"pulumi_ami_lifecycle"}
    assert not any(n.endswith("/entry_points.txt") for n in names)


def test_the_sdk_depends_on_pulumi_alone(sdk_wheel: zipfile.ZipFile) -> None:
    assert required(sdk_wheel) == ["pulumi"]
