"""The Node.js and Go SDKs generated from the schema (scripts/generate-sdks.sh): committed exactly
as the generators write them, the schema they came from is the one the plugin answers, and a
TypeScript and a Go program compile against them the way README shows."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ami_lifecycle.schema import VERSION, package_schema

ROOT = Path(__file__).resolve().parents[2]
SDK = ROOT / "sdk"
HERE = Path(__file__).parent
TYPESCRIPT = HERE / "typescript"
PLUGIN = Path(sys.executable).parent / "pulumi-resource-ami-lifecycle"
PULUMI = ROOT / ".tools" / "bin" / "pulumi"

GO_MODULE = "github.com/ami-lifecycle/pulumi-ami-lifecycle/sdk/go"
NODE_PACKAGE = "@ami-lifecycle/pulumi"

GENERATED = {"nodejs", "go", "schema.json"}
"""What the generators write under sdk/ (sdk/python is written by hand)."""

BUILD_OUTPUTS = {"node_modules", "bin"}
"""What installing or compiling puts in sdk/nodejs (its generated .gitignore names them)."""

COLD = 900
"""Seconds a step may take on a machine with empty Go and npm caches; warm, each takes seconds."""


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    if shutil.which(args[0]) is None and not Path(args[0]).exists():
        pytest.fail(f"{args[0]} is not installed (the SDK tests need Go, Node.js and npm)")
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=COLD, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"{' '.join(args)} (in {cwd}) failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def generated_files(root: Path) -> dict[str, bytes]:
    """The generated files under root (an sdk folder), by their paths relative to it."""
    found = {}
    for folder, dirs, files in os.walk(root):
        here = Path(folder).relative_to(root)
        if here == Path():
            dirs[:] = [name for name in dirs if name in GENERATED]
        elif here == Path("nodejs"):
            dirs[:] = [name for name in dirs if name not in BUILD_OUTPUTS]
        for name in files:
            if here != Path() or name in GENERATED:
                found[(here / name).as_posix()] = (Path(folder) / name).read_bytes()
    return found


@pytest.mark.e2e
def test_regenerating_changes_no_committed_file(tmp_path: Path) -> None:
    run(["bash", str(ROOT / "scripts" / "generate-sdks.sh"), str(tmp_path)], cwd=ROOT)
    generated = generated_files(tmp_path)
    committed = generated_files(SDK)

    missing = sorted(set(generated) - set(committed))
    extra = sorted(set(committed) - set(generated))
    changed = sorted(
        name for name in set(generated) & set(committed) if generated[name] != committed[name]
    )
    assert (missing, extra, changed) == ([], [], []), (
        "sdk/ is not what scripts/generate-sdks.sh writes (run it and commit the result): "
        f"not committed {missing}, no longer generated {extra}, different {changed}"
    )


@pytest.mark.e2e
def test_the_committed_schema_is_the_one_the_plugin_answers() -> None:
    if not PULUMI.exists():
        pytest.fail("no pulumi in .tools/bin: run scripts/install-pulumi.sh (make cli) first")
    answered = run([str(PULUMI), "package", "get-schema", str(PLUGIN)], cwd=ROOT)
    committed = json.loads((SDK / "schema.json").read_text())
    assert json.loads(answered) == committed
    assert committed == package_schema()


def test_the_sdks_carry_the_schema_version_and_no_download_url() -> None:
    package = json.loads((SDK / "nodejs" / "package.json").read_text())
    assert package["name"] == NODE_PACKAGE
    assert package["version"] == VERSION
    assert package["pulumi"] == {"resource": True, "name": "ami-lifecycle", "version": VERSION}
    # The compiled SDK reads its version from the package.json its postinstall copies into bin.
    assert package["main"] == "bin/index.js"
    assert "pluginDownloadURL" not in (SDK / "nodejs" / "utilities.ts").read_text()

    plugin = json.loads((SDK / "go" / "amilifecycle" / "pulumi-plugin.json").read_text())
    assert plugin == {"resource": True, "name": "ami-lifecycle", "version": VERSION}
    utilities = (SDK / "go" / "amilifecycle" / "internal" / "pulumiUtilities.go").read_text()
    assert f'version := semver.MustParse("{VERSION}")' in utilities
    assert "pulumi.PluginDownloadURL(" not in utilities
    assert (SDK / "go" / "go.mod").read_text().startswith(f"module {GO_MODULE}\n")


@pytest.mark.e2e
def test_the_go_sdk_builds_and_vets_and_a_program_compiles_against_it(tmp_path: Path) -> None:
    go_sdk = SDK / "go"
    run(["go", "build", "./..."], cwd=go_sdk)
    run(["go", "vet", "./..."], cwd=go_sdk)

    # A program's own module, finding the SDK through a replace directive as README says.
    program = tmp_path / "program"
    program.mkdir()
    shutil.copy(HERE / "goprogram" / "main.go", program)
    shutil.copy(go_sdk / "go.sum", program)
    # The SDK's go line too: without one Go reads a module as go 1.16, unpruned.
    [go_line] = [
        line for line in (go_sdk / "go.mod").read_text().splitlines() if line.startswith("go ")
    ]
    (program / "go.mod").write_text(
        f"module example.com/golden-image\n\n{go_line}\n\n"
        f"require {GO_MODULE} v0.0.0\n\n"
        f"replace {GO_MODULE} => {go_sdk}\n"
    )
    # Everything the program needs is what the SDK needs: the module cache has it.
    offline = {**os.environ, "GOPROXY": "off", "GOFLAGS": "-mod=mod"}
    run(["go", "mod", "tidy"], cwd=program, env=offline)
    run(["go", "vet", "."], cwd=program, env=offline)


@pytest.mark.e2e
def test_the_node_sdk_compiles_and_a_typescript_program_type_checks_against_it() -> None:
    run(["bash", str(ROOT / "scripts" / "install-node-sdk.sh")], cwd=ROOT)
    installed = TYPESCRIPT / "node_modules" / NODE_PACKAGE
    # The SDK's own tsconfig compiled it (strict) against @pulumi/pulumi from npm.
    assert json.loads((installed / "bin" / "package.json").read_text())["version"] == VERSION
    assert (installed / "bin" / "index.d.ts").is_file()

    run([str(TYPESCRIPT / "node_modules" / ".bin" / "tsc"), "-p", str(TYPESCRIPT)], cwd=TYPESCRIPT)

    loaded = run(
        [
            "node",
            "-e",
            f'const sdk = require("{NODE_PACKAGE}");'
            f'const {{ getVersion }} = require("{NODE_PACKAGE}/bin/utilities");'
            "console.log(JSON.stringify([typeof sdk.MachineImage, getVersion(),"
            " sdk.DeregistrationProtection.Enabled]));",
        ],
        cwd=TYPESCRIPT,
    )
    assert json.loads(loaded) == ["function", VERSION, "enabled"]
