"""Benchmark 3: the provider plugin through the real Pulumi CLI, measured against a no-op floor.

Why this exists: in-process numbers leave out what a user pays for: the CLI, the engine, the
plugin process and its gRPC, the policy pack, the state file. A wall time through the CLI says
little on its own (the CLI and the engine cost the same whatever the provider does), so every
figure here has a baseline from the same run: a no-op provider plugin (`noop_plugin`, the same
SDK and server, answering every step with its inputs) driven through the same CLI, the same
inline-program path (`cli_stack.CliStack`) and the same number of resources.

Measured, all against the EC2 emulator in its own process (`python -m ec2_emulator`), so that
moto's work is not done under the GIL of the process that runs the Pulumi program:

- `pulumi up` and `pulumi destroy` of N standalone `Image`s (registered from seeded snapshots,
  deregistration protection "disabled" so that one destroy removes them), per image, as a ratio
  to N no-op resources with the same inputs; the EC2 calls each command made.
- The first Check and the first Create (and, in a fresh process, the first Delete) of a plugin
  process, timed from the moment it prints its port, over gRPC from a stand-in engine.
- `pulumi preview` of N images with and without the policy pack: the pack's share.
- The bytes each resource takes in `pulumi stack export`, ours and the floor's.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .charts import Panel, Series, draw
from .report import Section, Table, Verdict
from .settings import Settings
from .stopwatch import Samples

__all__ = ["FirstCalls", "ThroughCliResult", "availability", "measure", "run"]

REPO_ROOT = Path(__file__).resolve().parent.parent
PLUGIN = Path(sys.executable).parent / "pulumi-resource-ami-lifecycle"
CLI = REPO_ROOT / ".tools" / "bin" / "pulumi"
REGION = "us-east-1"
OURS = "ours"
NOOP = "no-op"
KINDS = (NOOP, OURS)
COMMANDS = ("up", "destroy")

RATIO_TARGET = 1.2
RATIO_SIZE = 40
FIRST_CALL_TARGET = 0.2
PACK_SHARE_TARGET = 0.10
PACK_SIZES = (100, 400)

BEFORE = (
    "the dynamic-provider design this replaced measured, in its own runs (its runner is gone, "
    "so they are quoted, not re-measured): up 1.8x and destroy 1.6x the floor at 40 images, "
    "first Check 0.65 s and first Create 0.87 s, the pack 12% and 23% of a preview of 100 and "
    "400 images, about 6.4 KB of state per image"
)


def availability() -> str | None:
    """None if the CLI and the plugin are installed; otherwise why this can't run."""
    if not CLI.exists():
        return f"the Pulumi CLI is not installed ({CLI} missing: run `make cli`)"
    if not PLUGIN.exists():
        return f"the Pulumi CLI is there but not the plugin ({PLUGIN} missing: run `make venv`)"
    return None


# -- the emulator, in its own process -------------------------------------------------------------
_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Emulator:
    """`python -m ec2_emulator`, reached over HTTP like AWS: its controls and its CPU time."""

    control: Any
    """`ec2_emulator.client.EmulatorControlClient` of the process."""
    pid: int

    @property
    def endpoint_url(self) -> str:
        return str(self.control.endpoint_url)

    def client(self, region: str) -> Any:
        return self.control.client(region)

    def clear_requests(self) -> None:
        self.control.clear_requests()

    def actions(self) -> list[str]:
        return [request.action for request in self.control.requests]

    def cpu_seconds(self) -> float:
        """User + system CPU of the emulator process so far (moto's share of a command)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS


@contextmanager
def _emulator_process(log: Path) -> Iterator[Emulator]:
    from ec2_emulator.client import EmulatorControlClient

    with log.open("w", encoding="utf-8") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "ec2_emulator", "--port", "0", "--region", REGION],
            cwd=REPO_ROOT,
            env={**os.environ, "MOTO_EC2_LOAD_DEFAULT_AMIS": "false"},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        try:
            assert process.stdout is not None
            endpoint = process.stdout.readline().strip()
            if not endpoint.startswith("http://"):
                raise RuntimeError(f"the emulator did not start: {log.read_text()[-2000:]}")
            yield Emulator(EmulatorControlClient(endpoint), process.pid)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()


def _snapshots(aws: Emulator, count: int) -> list[str]:
    ec2 = aws.client(REGION)
    made = []
    for _ in range(count):
        volume = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=8, VolumeType="gp3")
        made.append(ec2.create_snapshot(VolumeId=volume["VolumeId"])["SnapshotId"])
    return made


def _left(aws: Emulator, snapshot_ids: Sequence[str]) -> int:
    """Images of the account, and the given snapshots, still there."""
    ec2 = aws.client(REGION)
    images = ec2.describe_images(Owners=["self"], IncludeDisabled=True)["Images"]
    found = ec2.describe_snapshots(
        OwnerIds=["self"], Filters=[{"Name": "snapshot-id", "Values": list(snapshot_ids)}]
    )["Snapshots"]
    return len(images) + len(found)


# -- the programs -------------------------------------------------------------------------------
def image_args(index: int, snapshot_id: str, protection: str) -> dict[str, Any]:
    """One image's inputs, as a program passes them to the SDK (snake_case)."""
    return {
        "image_name": f"bench-{index}",
        "description": "benchmark image",
        "tags": {"team": "platform", "index": str(index)},
        "deregistration_protection": protection,
        "from_snapshots": {"root_device_name": "/dev/xvda", "architecture": "x86_64"},
        "block_device_mappings": [
            {
                "device_name": "/dev/xvda",
                "ebs": {
                    "snapshot_id": snapshot_id,
                    "volume_type": "gp3",
                    "iops": 3000,
                    "volume_initialization_rate": 200,
                },
            }
        ],
    }


def camel_case(value: Any) -> Any:
    """The SDK's snake_case args as the camelCase properties it sends (tag keys kept)."""
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            head, *rest = str(key).split("_")
            out[head + "".join(w.title() for w in rest)] = (
                item if key == "tags" else camel_case(item)
            )
        return out
    if isinstance(value, list):
        return [camel_case(item) for item in value]
    return value


@dataclass
class Declared:
    """What the stack's program declares on its next run (the inline program reads it)."""

    kind: str
    snapshot_ids: list[str] = field(default_factory=list)
    protection: str = "disabled"

    def program(self) -> None:
        import pulumi

        from pulumi_ami_lifecycle import Image

        from .noop_plugin import THING

        for index, snapshot_id in enumerate(self.snapshot_ids):
            args = image_args(index, snapshot_id, self.protection)
            if self.kind == OURS:
                Image(f"image-{index}", args)  # type: ignore[arg-type]
            else:
                # The same inputs as the image's, so that the engine moves the same bytes.
                pulumi.CustomResource(THING, f"image-{index}", camel_case(args))


# -- one stack through the CLI ------------------------------------------------------------------
CPU_PARTS = ("CLI and plugins", "program (this process)", "emulator")


def _cpu(aws: Emulator) -> dict[str, float]:
    """CPU seconds so far: the CLI with every plugin and pack it started and waited for (this
    process's waited-for children), this process (the inline program and the Automation API),
    the emulator."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF)
    return {
        CPU_PARTS[0]: children.ru_utime + children.ru_stime,
        CPU_PARTS[1]: own.ru_utime + own.ru_stime,
        CPU_PARTS[2]: aws.cpu_seconds(),
    }


@dataclass
class Command:
    """One CLI command, timed from the Automation API call to its return."""

    kind: str
    command: str
    images: int
    seconds: float
    ok: bool
    output: str
    ec2_calls: list[str]
    cpu: dict[str, float] = field(default_factory=dict)
    """CPU seconds the command cost, by `CPU_PARTS`."""
    with_pack: bool = False


class BenchStack:
    """A `CliStack` whose program is `declared`; commands timed, the EC2 calls they made kept."""

    def __init__(
        self, name: str, declared: Declared, env: Mapping[str, str], work: Path, aws: Emulator
    ) -> None:
        import yaml

        from cli_stack import CliStack

        self.declared = declared
        self.aws = aws
        self.cli = CliStack(name, env, work=work, program=declared.program, echo=_quiet)
        self.cli.stack()
        # Both plugins are found the same way: through the project's `plugins` list.
        project_file = self.cli.directory / "Pulumi.yaml"
        project = yaml.safe_load(project_file.read_text(encoding="utf-8"))
        project.setdefault("plugins", {}).setdefault("providers", []).append(
            {"name": "noop", "path": str(_noop_launcher_dir(work))}
        )
        project_file.write_text(yaml.safe_dump(project, sort_keys=False), encoding="utf-8")
        self.cli.set_config({"ami-lifecycle:region": REGION, "rootSnapshotId": "unused"})

    def run(self, command: str, *, policy_packs: Sequence[str] = ()) -> Command:
        options: dict[str, Any] = {"policy_packs": list(policy_packs)} if policy_packs else {}
        operation: Callable[..., Any] = getattr(self.cli, command)
        self.aws.clear_requests()
        cpu_before = _cpu(self.aws)
        start = time.perf_counter()
        outcome = operation(**options)
        seconds = time.perf_counter() - start
        cpu_after = _cpu(self.aws)
        return Command(
            self.declared.kind,
            command,
            len(self.declared.snapshot_ids),
            seconds,
            outcome.ok,
            outcome.output,
            self.aws.actions(),
            {part: cpu_after[part] - cpu_before[part] for part in CPU_PARTS},
            with_pack=bool(policy_packs),
        )

    def exported(self) -> list[dict[str, Any]]:
        return self.cli.resources()

    def checkpoint_bytes(self) -> int | None:
        """The file backend's state file of this stack, as written on disk."""
        found = sorted((self.cli.directory / "state").rglob(f"{self.cli.name}.json*"))
        found = [path for path in found if not path.name.endswith(".bak")]
        return found[0].stat().st_size if found else None


def _quiet(_line: str) -> None:
    return None


def _noop_launcher_dir(work: Path) -> Path:
    return work / "noop-plugin"


def write_noop_launcher(work: Path) -> Path:
    """`pulumi-resource-noop`, a Python script like the console script pip writes for ours."""
    directory = _noop_launcher_dir(work)
    directory.mkdir(parents=True, exist_ok=True)
    launcher = directory / "pulumi-resource-noop"
    launcher.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        f"sys.path.insert(0, {str(REPO_ROOT)!r})\n"
        "from benchmarks.noop_plugin import main\n"
        "if __name__ == '__main__':\n"
        "    sys.exit(main())\n",
        encoding="utf-8",
    )
    launcher.chmod(0o755)
    return launcher


# -- first calls of a fresh plugin process ------------------------------------------------------
@dataclass
class FirstCalls:
    """Seconds per plugin process; `to_port` from launch, the others from the port printed."""

    to_port: Samples = field(default_factory=Samples)
    configure: Samples = field(default_factory=Samples)
    first_check: Samples = field(default_factory=Samples)
    configure_and_check: Samples = field(default_factory=Samples)
    """Port printed -> Configure answered -> first Check answered."""
    first_create: Samples = field(default_factory=Samples)
    check: Samples = field(default_factory=Samples)
    """A second Check in the same process (steady state)."""
    create: Samples = field(default_factory=Samples)
    """A second Create in the same process."""
    delete_to_port: Samples = field(default_factory=Samples)
    first_delete: Samples = field(default_factory=Samples)
    """In a second, fresh process: Configure, then the first Delete (what `destroy` starts with)."""
    delete: Samples = field(default_factory=Samples)
    create_calls: list[list[str]] = field(default_factory=list)
    """The EC2 calls of each first Create."""
    delete_calls: list[list[str]] = field(default_factory=list)


class _Engine:
    """The engine's `Log` service, all a plugin calls back during Check, Create and Delete."""

    def __init__(self) -> None:
        import grpc
        from google.protobuf import empty_pb2
        from pulumi.runtime.proto import engine_pb2_grpc

        engine = self

        class Servicer(engine_pb2_grpc.EngineServicer):
            def Log(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC's name
                engine.logs += 1
                return empty_pb2.Empty()

        self.logs = 0
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        engine_pb2_grpc.add_EngineServicer_to_server(Servicer(), self._server)
        port = self._server.add_insecure_port("127.0.0.1:0")
        self.address = f"127.0.0.1:{port}"

    def __enter__(self) -> _Engine:
        self._server.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.stop(grace=None)


def _struct(values: Mapping[str, Any]) -> Any:
    from google.protobuf import json_format, struct_pb2

    return json_format.ParseDict(dict(values), struct_pb2.Struct())


@contextmanager
def _plugin(launcher: Path, engine: str, env: Mapping[str, str]) -> Iterator[tuple[Any, float]]:
    """A plugin process as the engine starts one: (its stub, seconds from launch to port)."""
    import grpc
    from pulumi.runtime.proto import provider_pb2_grpc

    start = time.perf_counter()
    process = subprocess.Popen(
        [str(launcher), engine],
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        to_port = time.perf_counter() - start
        channel = grpc.insecure_channel(f"127.0.0.1:{int(line)}")
        try:
            yield provider_pb2_grpc.ResourceProviderStub(channel), to_port
        finally:
            channel.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def _timed(call: Callable[[], Any], into: Samples) -> Any:
    start = time.perf_counter()
    answer = call()
    into.add(time.perf_counter() - start)
    return answer


def _first_calls(
    launcher: Path, token: str, env: Mapping[str, str], aws: Emulator, rounds: int
) -> FirstCalls:
    from pulumi.runtime.proto import provider_pb2

    result = FirstCalls()
    with _Engine() as engine:
        for round_ in range(rounds):
            snapshots = _snapshots(aws, 2)
            urns = [f"urn:pulumi:bench::golden-image::{token}::first-{round_}-{i}" for i in (0, 1)]
            news = [
                camel_case(image_args(1000 * round_ + i, snapshot, "disabled"))
                for i, snapshot in enumerate(snapshots)
            ]
            configure = provider_pb2.ConfigureRequest(
                args=_struct({"region": REGION}), acceptSecrets=True
            )
            created = []
            with _plugin(launcher, engine.address, env) as (stub, to_port):
                port_printed = time.perf_counter()
                result.to_port.add(to_port)
                _timed(lambda: stub.Configure(configure), result.configure)
                checked = _timed(
                    lambda: stub.Check(
                        provider_pb2.CheckRequest(urn=urns[0], news=_struct(news[0]))
                    ),
                    result.first_check,
                )
                result.configure_and_check.add(time.perf_counter() - port_printed)
                aws.clear_requests()
                created.append(
                    _timed(
                        lambda: stub.Create(
                            provider_pb2.CreateRequest(urn=urns[0], properties=checked.inputs)
                        ),
                        result.first_create,
                    )
                )
                result.create_calls.append(aws.actions())
                again = _timed(
                    lambda: stub.Check(
                        provider_pb2.CheckRequest(urn=urns[1], news=_struct(news[1]))
                    ),
                    result.check,
                )
                created.append(
                    _timed(
                        lambda: stub.Create(
                            provider_pb2.CreateRequest(urn=urns[1], properties=again.inputs)
                        ),
                        result.create,
                    )
                )
            with _plugin(launcher, engine.address, env) as (stub, to_port):
                result.delete_to_port.add(to_port)
                stub.Configure(configure)
                aws.clear_requests()
                for made, urn, into in zip(
                    created, urns, (result.first_delete, result.delete), strict=True
                ):
                    _timed(
                        lambda made=made, urn=urn: stub.Delete(
                            provider_pb2.DeleteRequest(
                                urn=urn, id=made.id, properties=made.properties
                            )
                        ),
                        into,
                    )
                    if into is result.first_delete:
                        result.delete_calls.append(aws.actions())
    return result


# -- the whole measurement ----------------------------------------------------------------------
@dataclass
class StateSize:
    bytes_by_type: dict[str, list[int]]
    """Compact JSON bytes of each resource in `pulumi stack export`, by type."""
    checkpoint_bytes: int | None
    """The stack's state file on disk (the file backend's own format)."""

    def per_resource(self, token: str) -> float:
        sizes = self.bytes_by_type.get(token, [])
        return statistics.median(sizes) if sizes else float("nan")


@dataclass
class ThroughCliResult:
    sizes: tuple[int, ...]
    preview_sizes: tuple[int, ...]
    commands: dict[tuple[str, str, int], list[Command]] = field(default_factory=dict)
    """(kind, up|destroy, N) -> each round's command."""
    previews: dict[tuple[bool, int], list[Command]] = field(default_factory=dict)
    """(with the pack?, N) -> each round's preview."""
    state: dict[tuple[str, int], StateSize] = field(default_factory=dict)
    exported_counts: dict[tuple[str, int], int] = field(default_factory=dict)
    """Resources in the export after `up` (N images, the stack and the default provider)."""
    first: dict[str, FirstCalls] = field(default_factory=dict)
    leftovers: dict[str, int] = field(default_factory=dict)
    pack_name: str = ""
    pack_checks_images: bool = False
    """Whether the pack's policies cover `ami-lifecycle:index:Image` at all."""

    def all_commands(self) -> list[Command]:
        return [c for runs in [*self.commands.values(), *self.previews.values()] for c in runs]

    def seconds(self, kind: str, command: str, size: int) -> Samples:
        return Samples([c.seconds for c in self.commands.get((kind, command, size), [])])

    def ratio(self, command: str, size: int) -> float:
        return (
            self.seconds(OURS, command, size).median / self.seconds(NOOP, command, size).median
        )

    def marginal(self, kind: str, command: str) -> float | None:
        """Seconds each further image adds, between the smallest and the largest stack."""
        if len(self.sizes) < 2:
            return None
        low, high = self.sizes[0], self.sizes[-1]
        return (
            self.seconds(kind, command, high).median - self.seconds(kind, command, low).median
        ) / (high - low)

    def preview_seconds(self, with_pack: bool, size: int) -> Samples:
        return Samples([c.seconds for c in self.previews.get((with_pack, size), [])])

    def pack_share(self, size: int) -> float:
        with_pack = self.preview_seconds(True, size).median
        return (with_pack - self.preview_seconds(False, size).median) / with_pack


def _pack_facts() -> tuple[str, bool]:
    from ami_lifecycle.schema import IMAGE
    from policies.ami_guard import PACK_OPTIONS
    from policies.ami_guard.resources import OUR_IMAGE_TYPES

    return PACK_OPTIONS["name"], IMAGE in OUR_IMAGE_TYPES


def measure(settings: Settings) -> ThroughCliResult:
    from ami_lifecycle.schema import IMAGE
    from cli_stack import cli_environment

    from .noop_plugin import THING

    result = ThroughCliResult(sizes=settings.cli_sizes, preview_sizes=settings.preview_sizes)
    result.pack_name, result.pack_checks_images = _pack_facts()
    with (
        tempfile.TemporaryDirectory(prefix="bench-cli-") as scratch_name,
        _emulator_process(Path(scratch_name) / "emulator.log") as aws,
    ):
        scratch = Path(scratch_name)
        env = cli_environment(aws.endpoint_url, REGION)
        noop_launcher = write_noop_launcher(scratch)
        _snapshots(aws, 1)  # moto builds its EC2 backend on the first request: not timed
        result.first[NOOP] = _first_calls(noop_launcher, THING, env, aws, settings.plugin_starts)
        result.first[OURS] = _first_calls(PLUGIN, IMAGE, env, aws, settings.plugin_starts)

        stacks = {
            kind: BenchStack(name, Declared(kind), env, scratch, aws)
            for kind, name in ((NOOP, "noop"), (OURS, "ours"))
        }
        for round_ in range(settings.cli_repeats):
            for size in settings.cli_sizes:
                snapshot_ids = _snapshots(aws, size)
                # Alternate who goes first, so that drift on a shared machine hits both alike.
                order = KINDS if round_ % 2 == 0 else KINDS[::-1]
                for kind in order:
                    stack = stacks[kind]
                    stack.declared.snapshot_ids = snapshot_ids
                    up = stack.run("up")
                    result.commands.setdefault((kind, "up", size), []).append(up)
                    if round_ == 0 and up.ok:
                        exported = stack.exported()
                        result.exported_counts[(kind, size)] = len(exported)
                        result.state[(kind, size)] = _state_size(
                            exported, stack.checkpoint_bytes()
                        )
                    destroy = stack.run("destroy")
                    result.commands.setdefault((kind, "destroy", size), []).append(destroy)
                result.leftovers[f"{size} images, round {round_ + 1}"] = _left(aws, snapshot_ids)

        declared = Declared(OURS, protection="enabled")
        preview = BenchStack("preview", declared, env, scratch, aws)
        packs = [preview.cli.policy_pack(REPO_ROOT / "policies")]
        snapshot_ids = _snapshots(aws, max(settings.preview_sizes))
        for round_ in range(settings.cli_repeats):
            for size in settings.preview_sizes:
                declared.snapshot_ids = snapshot_ids[:size]
                order = (False, True) if round_ % 2 == 0 else (True, False)
                for with_pack in order:
                    ran = preview.run("preview", policy_packs=packs if with_pack else ())
                    result.previews.setdefault((with_pack, size), []).append(ran)
    return result


def _state_size(resources: Sequence[Mapping[str, Any]], checkpoint: int | None) -> StateSize:
    by_type: dict[str, list[int]] = {}
    for resource in resources:
        encoded = json.dumps(resource, separators=(",", ":"), sort_keys=True).encode()
        by_type.setdefault(str(resource.get("type")), []).append(len(encoded))
    return StateSize(by_type, checkpoint)


# -- report -------------------------------------------------------------------------------------
def _s(samples: Samples) -> str:
    if not samples.values:
        return "not run"
    if len(samples.values) == 1:
        return f"{samples.median:.2f}"
    return f"{samples.median:.2f} ({samples.low:.2f}..{samples.high:.2f})"


def _calls_per_image(commands: Sequence[Command]) -> str:
    if not commands or not commands[0].images:
        return "-"
    counts = {len(c.ec2_calls) for c in commands}
    per_image = ", ".join(f"{n / commands[0].images:g}" for n in sorted(counts))
    return per_image


def _call_mix(commands: Sequence[Command]) -> str:
    if not commands:
        return "-"
    first = commands[0]
    mix: dict[str, int] = {}
    for action in first.ec2_calls:
        mix[action] = mix.get(action, 0) + 1
    return ", ".join(f"{a} x{n}" for a, n in sorted(mix.items())) or "none"


def _commands_table(result: ThroughCliResult, settings: Settings) -> Table:
    rows = []
    for command in COMMANDS:
        for size in result.sizes:
            ours, noop = result.seconds(OURS, command, size), result.seconds(NOOP, command, size)
            runs = result.commands.get((OURS, command, size), [])
            floor_runs = result.commands.get((NOOP, command, size), [])
            ok = all(c.ok for c in [*runs, *floor_runs]) and bool(runs and floor_runs)
            rows.append(
                (
                    command,
                    str(size),
                    _s(noop),
                    _s(ours),
                    f"{noop.median / size * 1000:.1f}",
                    f"{ours.median / size * 1000:.1f}",
                    f"{result.ratio(command, size):.2f}",
                    _calls_per_image(runs),
                    "ok" if ok else "FAILED",
                )
            )
    notes = [
        f"ours: N `ami-lifecycle:index:Image` resources, each registered from its own seeded "
        f"snapshot, deregistration protection \"disabled\" (so that one `destroy` removes them "
        f"and their snapshots); the floor: N `noop:index:Thing` resources with the same inputs",
        "seconds: the Automation API call (`pulumi up --yes --skip-preview` / `pulumi destroy "
        "--yes`) from start to return, the CLI started afresh each time, the program inline in "
        "this process; ms/image: seconds / N; ratio: ours / floor (medians)",
        "EC2 calls: every request the emulator received during the command, per image: "
        + "; ".join(
            f"{command} of {size}: {_call_mix(result.commands.get((OURS, command, size), []))}"
            for command in COMMANDS
            for size in result.sizes[-1:]
        ),
        "images and snapshots left after each destroy: "
        + (", ".join(f"{k}: {v}" for k, v in result.leftovers.items()) or "n/a"),
    ]
    for command in COMMANDS:
        ours_more, floor_more = result.marginal(OURS, command), result.marginal(NOOP, command)
        if ours_more is not None and floor_more is not None:
            notes.append(
                f"{command}, each image beyond {result.sizes[0]}: ours {ours_more * 1000:.1f} ms, "
                f"floor {floor_more * 1000:.1f} ms"
                + (f" ({ours_more / floor_more:.1f}x)" if floor_more > 0 else "")
            )
    return Table(
        f"`pulumi up` / `pulumi destroy` of N images, ours vs the no-op floor, seconds (median "
        f"(min..max) of {settings.cli_repeats})",
        (
            "command",
            "images",
            "floor s",
            "ours s",
            "floor ms/image",
            "ours ms/image",
            "ratio",
            "EC2 calls/image",
            "result",
        ),
        tuple(rows),
        tuple(notes),
    )


def _ms(samples: Samples) -> str:
    return samples.ms() if samples.values else "n/a"


def _first_table(result: ThroughCliResult, settings: Settings) -> Table:
    ours, floor = result.first[OURS], result.first[NOOP]
    rows = (
        ("launch -> port printed", _ms(floor.to_port), _ms(ours.to_port), ""),
        ("port printed -> Configure answered", _ms(floor.configure), _ms(ours.configure), ""),
        ("first Check", _ms(floor.first_check), _ms(ours.first_check), ""),
        (
            "port printed -> first Check answered (Configure + Check)",
            _ms(floor.configure_and_check),
            _ms(ours.configure_and_check),
            f"< {FIRST_CALL_TARGET * 1000:.0f} ms",
        ),
        ("first Create", _ms(floor.first_create), _ms(ours.first_create), "< 200 ms"),
        ("second Check (steady)", _ms(floor.check), _ms(ours.check), ""),
        ("second Create (steady)", _ms(floor.create), _ms(ours.create), ""),
        ("fresh process: launch -> port", _ms(floor.delete_to_port), _ms(ours.delete_to_port), ""),
        ("fresh process: first Delete", _ms(floor.first_delete), _ms(ours.first_delete), ""),
        ("fresh process: second Delete", _ms(floor.delete), _ms(ours.delete), ""),
    )
    calls = {tuple(c) for c in ours.create_calls}
    delete_calls = {tuple(c) for c in ours.delete_calls}
    return Table(
        f"A fresh plugin process, driven over gRPC like the engine drives it, ms (median "
        f"(min..max) of {settings.plugin_starts} processes)",
        ("measure", "floor", "ours", "target"),
        rows,
        (
            "launched as the engine launches it (`pulumi-resource-<name> <engine address>`, the "
            "port read from its first line of stdout); the engine is a stand-in gRPC Engine "
            "service in this process that answers `Log`",
            "each Create is of a new image from its own snapshot (protection off); the steady "
            "rows are a second resource in the same process; the Deletes run in a second "
            "process, as `pulumi destroy` starts one",
            "EC2 calls of the first Create: "
            + " / ".join(", ".join(c) for c in sorted(calls))
            + "; of the first Delete: "
            + " / ".join(", ".join(c) for c in sorted(delete_calls)),
        ),
    )


def _preview_table(result: ThroughCliResult, settings: Settings) -> Table:
    rows = []
    for size in result.preview_sizes:
        without, with_pack = result.preview_seconds(False, size), result.preview_seconds(True, size)
        runs = [*result.previews.get((False, size), []), *result.previews.get((True, size), [])]
        ran_pack = all(result.pack_name in c.output for c in result.previews.get((True, size), []))
        rows.append(
            (
                str(size),
                _s(without),
                _s(with_pack),
                f"{(with_pack.median - without.median) * 1000:.0f}",
                f"{result.pack_share(size):.0%}",
                str(sum(len(c.ec2_calls) for c in runs)),
                "ok" if all(c.ok for c in runs) and ran_pack else "FAILED",
            )
        )
    return Table(
        f"`pulumi preview` of N images, without and with the policy pack, seconds (median "
        f"(min..max) of {settings.cli_repeats})",
        ("images", "preview s", "with the pack s", "pack ms", "pack share", "EC2 calls", "result"),
        tuple(rows),
        (
            "a preview of a stack not deployed yet: a Check and a preview Create per image, the "
            "pack's Analyze per image and one AnalyzeStack; protection \"enabled\", so the pack "
            "finds nothing to block",
            "the pack: `--policy-pack` with `policies/` run by `python -m pulumi.policy`, as the "
            "Python language host would run it (`CliStack.policy_pack`); share = (with - "
            "without) / with",
            f"the pack's policies cover `ami-lifecycle:index:Image`: "
            f"{'yes' if result.pack_checks_images else 'NO (it only sees the type token)'}",
        ),
    )


def _state_table(result: ThroughCliResult) -> Table:
    from ami_lifecycle.schema import IMAGE

    from .noop_plugin import THING

    rows = []
    for size in result.sizes:
        ours, floor = result.state.get((OURS, size)), result.state.get((NOOP, size))
        if ours is None or floor is None:
            rows.append((str(size), "not measured", "", "", "", ""))
            continue
        rows.append(
            (
                str(size),
                f"{floor.per_resource(THING):.0f}",
                f"{ours.per_resource(IMAGE):.0f}",
                f"{ours.per_resource(IMAGE) - floor.per_resource(THING):.0f}",
                f"{(floor.checkpoint_bytes or 0) / 1024:.0f}",
                f"{(ours.checkpoint_bytes or 0) / 1024:.0f}",
            )
        )
    return Table(
        "State per resource after `up`, bytes (median over the stack's resources)",
        (
            "images",
            "floor bytes/resource",
            "ours bytes/image",
            "ours - floor",
            "floor state file KB",
            "ours state file KB",
        ),
        tuple(rows),
        (
            "bytes/resource: each resource of `pulumi stack export` as compact JSON (inputs, "
            "outputs, URN, provider reference, ...); the floor's resources carry the same "
            "inputs, so the difference is ours outputs",
            "state file: the file backend's checkpoint of the stack, as it sits on disk after "
            "`up`; the CLI rewrites it as the update goes",
        ),
    )


def _complete(result: ThroughCliResult) -> bool:
    return bool(result.commands) and all(c.ok for c in result.all_commands())


def _ratio_verdicts(result: ThroughCliResult) -> list[Verdict]:
    verdicts = []
    for command in COMMANDS:
        target = f"per-image `{command}` at most {RATIO_TARGET}x the no-op floor at {RATIO_SIZE} images"
        if RATIO_SIZE not in result.sizes:
            largest = result.sizes[-1]
            verdicts.append(
                Verdict(
                    target,
                    None,
                    f"largest stack here: {largest} images ({result.ratio(command, largest):.2f}x);"
                    f" the full run measures {RATIO_SIZE}",
                )
            )
            continue
        ratio = result.ratio(command, RATIO_SIZE)
        detail = ", ".join(f"{size}: {result.ratio(command, size):.2f}x" for size in result.sizes)
        verdicts.append(Verdict(target, ratio <= RATIO_TARGET, detail))
    return verdicts


def _first_verdicts(result: ThroughCliResult) -> list[Verdict]:
    ours = result.first[OURS]
    return [
        Verdict(
            "first Check (Configure + Check) under 200 ms after the plugin prints its port",
            ours.configure_and_check.median < FIRST_CALL_TARGET,
            f"median {ours.configure_and_check.median * 1000:.0f} ms "
            f"(floor {result.first[NOOP].configure_and_check.median * 1000:.0f} ms); launch to "
            f"port {ours.to_port.median * 1000:.0f} ms (floor "
            f"{result.first[NOOP].to_port.median * 1000:.0f} ms)",
        ),
        Verdict(
            "first Create under 200 ms",
            ours.first_create.median < FIRST_CALL_TARGET,
            f"median {ours.first_create.median * 1000:.0f} ms (a second Create: "
            f"{ours.create.median * 1000:.0f} ms; the floor's first: "
            f"{result.first[NOOP].first_create.median * 1000:.0f} ms)",
        ),
    ]


def _pack_verdict(result: ThroughCliResult) -> Verdict:
    target = f"the policy pack under {PACK_SHARE_TARGET:.0%} of a preview of 100 and 400 images"
    measured = [size for size in PACK_SIZES if size in result.preview_sizes]
    if not measured:
        sizes = ", ".join(
            f"{size}: {result.pack_share(size):.0%}" for size in result.preview_sizes
        )
        return Verdict(target, None, f"here: {sizes}; the full run measures 100 and 400")
    shares = {size: result.pack_share(size) for size in measured}
    return Verdict(
        target,
        all(share < PACK_SHARE_TARGET for share in shares.values()),
        ", ".join(f"{size} images: {share:.1%}" for size, share in shares.items())
        + ("" if result.pack_checks_images else " (the pack does not check this Image type)"),
    )


def _breakdown(result: ThroughCliResult, command: str) -> list[str]:
    """Where ours spends more than the floor at the largest stack, from this run's figures."""
    size = result.sizes[-1]
    ours, floor = result.seconds(OURS, command, size), result.seconds(NOOP, command, size)
    extra = ours.median - floor.median
    first_ours, first_floor = result.first[OURS], result.first[NOOP]
    start = first_ours.to_port.median - first_floor.to_port.median
    if command == "up":
        first_call = first_ours.first_create.median - first_ours.create.median
        first_label = "the first Create over a later one (the EC2 client is built then)"
    else:
        first_call = first_ours.first_delete.median - first_ours.delete.median
        first_label = "the first Delete over a later one (the EC2 client is built then)"
    lines = [
        f"- `{command}` of {size} images: ours {ours.median:.2f} s, the floor "
        f"{floor.median:.2f} s, {extra:.2f} s more ({result.ratio(command, size):.2f}x). "
        f"Measured pieces of that difference: the plugin's start to its port "
        f"{start * 1000:.0f} ms more than the floor's (importing boto3/botocore and the "
        f"package); {first_label} {first_call * 1000:.0f} ms.",
    ]
    ours_more, floor_more = result.marginal(OURS, command), result.marginal(NOOP, command)
    if ours_more is not None and floor_more is not None:
        per_image = ours_more - floor_more
        calls = _calls_per_image(result.commands.get((OURS, command, size), []))
        lines.append(
            f"- Each image adds {ours_more * 1000:.1f} ms to ours and {floor_more * 1000:.1f} ms "
            f"to the floor, {per_image * 1000:.1f} ms more: its {calls} EC2 calls (a round trip "
            f"to the emulator and moto's work, which on AWS would be its latency instead), "
            f"boto3 on the plugin's side, and the larger state the engine keeps for it; "
            f"{per_image * size:.2f} s over {size} images. Fixed part left over: "
            f"{extra - per_image * size - start - first_call:.2f} s."
        )
    return lines


def _chart(result: ThroughCliResult, out_dir: Path) -> Path:
    xs = [float(s) for s in result.sizes]
    return draw(
        out_dir / "through_cli.png",
        "Through the Pulumi CLI: ours vs the no-op provider floor",
        [
            Panel(
                "Per image (command seconds / N, median)",
                "images in the stack (N)",
                "ms per image",
                [
                    Series(
                        f"{command}: {kind}",
                        xs,
                        [result.seconds(kind, command, s).median / s * 1000 for s in result.sizes],
                        dashed=kind == NOOP,
                    )
                    for command in COMMANDS
                    for kind in (OURS, NOOP)
                ],
                log_x=True,
                xticks=xs,
            ),
            Panel(
                "Ours / floor",
                "images in the stack (N)",
                "ratio",
                [
                    *(
                        Series(command, xs, [result.ratio(command, s) for s in result.sizes])
                        for command in COMMANDS
                    ),
                    Series("target", xs, [RATIO_TARGET for _ in xs], dashed=True),
                ],
                log_x=True,
                xticks=xs,
            ),
        ],
    )


def _skipped(reason: str) -> Section:
    return Section(
        key="cli",
        title="3. Through the Pulumi CLI",
        summary="`up`/`destroy`/`preview` through the real CLI, against a no-op provider floor.",
        skipped=reason,
        verdicts=[
            Verdict(f"per-image up/destroy at most {RATIO_TARGET}x the floor", None, reason),
            Verdict("first Check and first Create under 200 ms", None, reason),
            Verdict(f"the policy pack under {PACK_SHARE_TARGET:.0%} of a preview", None, reason),
        ],
    )


def run(settings: Settings, out_dir: Path) -> Section:
    reason = availability()
    if reason is not None:
        return _skipped(reason)
    result = measure(settings)
    verdicts: list[Verdict] = []
    analysis: list[str] = []
    charts: list[Path] = []
    if _complete(result):
        verdicts += _ratio_verdicts(result)
        charts.append(_chart(result, out_dir))
        for command in COMMANDS:
            if result.ratio(command, result.sizes[-1]) > RATIO_TARGET:
                analysis += _breakdown(result, command)
    else:
        verdicts.append(
            Verdict("per-image up/destroy ratio", None, "a command failed; see below")
        )
        for command in [c for c in result.all_commands() if not c.ok][:3]:
            tail = "\n".join(command.output.strip().splitlines()[-15:])
            analysis += [
                f"- `{command.command}` of {command.images} ({command.kind}) failed:",
                "",
                "```",
                tail,
                "```",
                "",
            ]
    verdicts += _first_verdicts(result)
    verdicts.append(_pack_verdict(result))
    left = sum(result.leftovers.values())
    verdicts.append(
        Verdict(
            "every destroy leaves no image and no snapshot (checked, not a target)",
            left == 0 if result.leftovers else None,
            f"{left} left in total",
        )
    )
    return Section(
        key="cli",
        title="3. Through the Pulumi CLI",
        summary=(
            "The plugin (`pulumi-resource-ami-lifecycle`) through the pinned Pulumi CLI, every "
            "command through `cli_stack.CliStack` (Automation API, inline program), against "
            "the EC2 emulator in its own process; each figure next to the same measure of a "
            "no-op provider plugin written with the same SDK (`benchmarks/noop_plugin.py`). "
            f"For comparison, {BEFORE}."
        ),
        tables=[
            _commands_table(result, settings),
            _first_table(result, settings),
            _preview_table(result, settings),
            _state_table(result),
        ],
        verdicts=verdicts,
        analysis=analysis,
        charts=charts,
        data=result,
    )
