"""Benchmark 3: the component through the real protocols, as `pulumi up` / `pulumi destroy` run it.

Why this exists: in-process numbers leave out what a user pays for: the Python dynamic-provider
host (`python -u -m pulumi.dynamic`, started per command, unpickling `__provider` and creating
its boto3 client), gRPC per operation, the policy pack, the state file. `lifecycle_runner` plays
the Pulumi CLI's part with those real processes and protocols; this benchmark times its command
line (`python -m lifecycle_runner up|destroy`) on the example stack and on stacks of 1, 10 and 100
images, samples the peak memory of the runner and of the provider host, and measures the host's
own overheads directly (start, first call with its unpickle, steady per-call cost, client
creation). Inside the children a probe (`host_probe/sitecustomize.py`) counts every boto3
client and times every `dill.loads`, so "one boto3 client per process" is counted, not assumed.

Everything runs against the runner's own EC2 emulator process (`lifecycle_runner.local_emulator`)
over HTTP. Only runs if `lifecycle_runner` is importable; otherwise the section says "skipped".
"""

from __future__ import annotations

import inspect
import io
import itertools
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .charts import Panel, Series, draw
from .profiling import ProfileReport, profile_all_threads
from .report import Section, Table, Verdict
from .settings import Settings
from .stopwatch import Samples, stopwatch

__all__ = ["ProtocolsResult", "availability", "measure", "run"]

REPO_ROOT = Path(__file__).resolve().parent.parent
STACK_PROGRAM = Path(__file__).resolve().parent / "stack_program"
PROBE_DIR = Path(__file__).resolve().parent / "host_probe"
POLICY_PACK = REPO_ROOT / "policies"
LINEAR_SLACK = 1.5
"""Growth counts as linear while the cost per image up to the largest stack is at most 1.5x the
cost per image up to the middle one (both measured above the one-image stack)..."""
NOISE = {"seconds": 0.5, "MB": 5.0}
WATCH_RATIO = 1.2
"""Above this per-image growth the analysis runs even when the rule is met."""
"""...or while the largest stack exceeds that line by less than this (a noisy machine)."""
STEADY_CALLS = 20
SAVE_SHARE_CAUSE = 0.2
"""The state saves are named as the cause only when they take at least this share of the run."""


def _settle_quiet_ms() -> float:
    from lifecycle_runner.plugin_process import PluginProcess

    quiet = inspect.signature(PluginProcess.settle).parameters["quiet"].default
    return float(quiet) * 1000


def availability() -> str | None:
    try:
        import lifecycle_runner  # noqa: F401
        from lifecycle_runner.display import Display  # noqa: F401
        from lifecycle_runner.engine_service import EngineServer  # noqa: F401
        from lifecycle_runner.local_emulator import EmulatorProcess  # noqa: F401
        from lifecycle_runner.provider_client import ResourceCall  # noqa: F401
        from lifecycle_runner.provider_host import ProviderHost  # noqa: F401
    except ImportError as error:
        return f"lifecycle_runner not available ({error})"
    return None


# -- the probe's log ----------------------------------------------------------------------------
@dataclass
class ProbeLog:
    """What `host_probe/sitecustomize.py` wrote for one run."""

    events: list[dict[str, Any]]

    @classmethod
    def read(cls, path: Path) -> ProbeLog:
        if not path.exists():
            return cls([])
        lines = path.read_text(encoding="utf-8").splitlines()
        return cls([json.loads(line) for line in lines if line.strip()])

    def pids(self, role: str) -> list[int]:
        return [e["pid"] for e in self.events if e["event"] == "start" and role_of(e) == role]

    def clients(self, pid: int, service: str = "ec2") -> list[float]:
        return [
            e["seconds"]
            for e in self.events
            if e["event"] == "client" and e["pid"] == pid and e.get("service") == service
        ]

    def unpickles(self, pid: int) -> list[float]:
        return [e["seconds"] for e in self.events if e["event"] == "unpickle" and e["pid"] == pid]


def role_of(start_event: Mapping[str, Any]) -> str:
    command = str(start_event.get("command", ""))
    if "pulumi.dynamic" in command:
        return "provider host"
    if "pulumi.policy" in command:
        return "policy pack"
    if "lifecycle_runner" in command:
        return "runner"
    return "other"


# -- peak memory --------------------------------------------------------------------------------
def _high_water_kb(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return None


class PeakMemory:
    """Samples the kernel's RSS high-water mark (VmHWM) of the runner and of every child the
    probe reports, until stopped. VmHWM only grows, so the last sample before a process exits is
    its peak to within one sampling interval."""

    def __init__(self, root_pid: int, probe_log: Path, interval: float = 0.02) -> None:
        self._roots = {root_pid: "runner"}
        self._probe_log = probe_log
        self._interval = interval
        self.peaks_kb: dict[int, int] = {}
        self.roles: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.is_set():
            roles = dict(self._roots)
            for event in ProbeLog.read(self._probe_log).events:
                if event["event"] == "start":
                    roles.setdefault(event["pid"], role_of(event))
            self.roles = roles
            for pid in roles:
                kb = _high_water_kb(pid)
                if kb is not None:
                    self.peaks_kb[pid] = max(kb, self.peaks_kb.get(pid, 0))
            self._stop.wait(self._interval)

    def peak_mb(self, role: str) -> float:
        values = [kb for pid, kb in self.peaks_kb.items() if self.roles.get(pid) == role]
        return max(values) / 1024 if values else float("nan")


# -- one CLI command ----------------------------------------------------------------------------
@dataclass
class CliRun:
    label: str
    seconds: float
    exit_code: int
    lines: list[tuple[float, str]]
    """Each output line with the seconds since launch at which it arrived."""
    probe: ProbeLog
    runner_mb: float
    host_mb: float

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    @property
    def output(self) -> str:
        return "\n".join(line for _, line in self.lines)

    def host_clients(self) -> list[int]:
        """EC2 clients created by each provider-host process of this command."""
        return [len(self.probe.clients(pid)) for pid in self.probe.pids("provider host")]

    def runner_clients(self) -> int:
        return sum(len(self.probe.clients(pid)) for pid in self.probe.pids("runner"))


def _probe_environment(log: Path) -> dict[str, str]:
    existing = os.environ.get("PYTHONPATH")
    return {
        "PYTHONPATH": os.pathsep.join([str(PROBE_DIR), *([existing] if existing else [])]),
        "BENCH_PROBE_LOG": str(log),
    }


def _cli(
    label: str,
    command: str,
    *,
    program: Path,
    stack: str,
    endpoint: str,
    work_dir: Path,
    config: Mapping[str, str],
    policy_pack: Path | None = None,
) -> CliRun:
    """`python -m lifecycle_runner <command> ...`, timed from launch to exit."""
    log = work_dir / f"probe-{command}-{time.monotonic_ns()}.jsonl"
    work_dir.mkdir(parents=True, exist_ok=True)
    args = [
        sys.executable,
        "-m",
        "lifecycle_runner",
        command,
        "--program",
        str(program),
        "--stack",
        stack,
        "--endpoint",
        endpoint,
        "--work-dir",
        str(work_dir),
    ]
    if config:
        args += ["--config", *(f"{k}={v}" for k, v in config.items())]
    if policy_pack is not None:
        args += ["--policy-pack", str(policy_pack)]
    env = {**os.environ, **_probe_environment(log)}
    lines: list[tuple[float, str]] = []
    start = time.perf_counter()
    process = subprocess.Popen(
        args,
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    assert process.stdout is not None
    with PeakMemory(process.pid, log) as memory:
        for line in process.stdout:
            lines.append((time.perf_counter() - start, line.rstrip("\n")))
        exit_code = process.wait()
        seconds = time.perf_counter() - start
    process.stdout.close()
    return CliRun(
        label,
        seconds,
        exit_code,
        lines,
        ProbeLog.read(log),
        memory.peak_mb("runner"),
        memory.peak_mb("provider host"),
    )


# -- measurements -------------------------------------------------------------------------------
@dataclass
class HostOverhead:
    start: Samples = field(default_factory=Samples)
    """Launch of `python -u -m pulumi.dynamic` to its Configure answered."""
    first_check: Samples = field(default_factory=Samples)
    check: Samples = field(default_factory=Samples)
    check_in_process: Samples = field(default_factory=Samples)
    first_create: Samples = field(default_factory=Samples)
    read: Samples = field(default_factory=Samples)
    read_in_process: Samples = field(default_factory=Samples)
    unpickle_in_host: Samples = field(default_factory=Samples)
    import_fresh: Samples = field(default_factory=Samples)
    """`import ami_lifecycle.provider.image` in a fresh interpreter that has already imported
    `pulumi.dynamic` (what the host has loaded before its first unpickle)."""
    client_in_host: Samples = field(default_factory=Samples)
    clients_per_host: list[int] = field(default_factory=list)
    unpickles_per_host: list[int] = field(default_factory=list)


@dataclass
class ProtocolsResult:
    sizes: tuple[int, ...]
    host: HostOverhead = field(default_factory=HostOverhead)
    example: dict[str, list[CliRun]] = field(default_factory=dict)
    stacks: dict[tuple[str, int], list[CliRun]] = field(default_factory=dict)
    leftovers: dict[str, int] = field(default_factory=dict)
    """Images + snapshots still there after each destroy, by run label (must be 0)."""
    state_cost: dict[int, list[tuple[int, float, int]]] = field(default_factory=dict)
    """Images -> (state.json bytes after `up`, seconds for the runner to save it once, bytes
    of it that are pickled `__provider` strings)."""
    emulator_errors: list[str] = field(default_factory=list)
    """Tracebacks the emulator process logged (a 500 it answered), if any."""

    def runs(self) -> list[CliRun]:
        return [r for rs in [*self.example.values(), *self.stacks.values()] for r in rs]

    def seconds(self, command: str, size: int) -> Samples:
        return Samples([r.seconds for r in self.stacks[(command, size)]])

    def memory(self, command: str, size: int, role: str) -> float:
        values = [
            r.runner_mb if role == "runner" else r.host_mb for r in self.stacks[(command, size)]
        ]
        return statistics.median(values)


@contextmanager
def _emulator(scratch: Path) -> Iterator[Any]:
    from lifecycle_runner import AwsTarget
    from lifecycle_runner.local_emulator import EmulatorProcess

    process = EmulatorProcess.start(scratch / "emulator.log", detached=False)
    try:
        yield AwsTarget(process.endpoint_url)
    finally:
        process.stop()


def _snapshots(target: Any, count: int) -> list[str]:
    ec2 = target.client("ec2")
    zone = f"{target.region}a"
    made = []
    for _ in range(count):
        volume = ec2.create_volume(AvailabilityZone=zone, Size=8, VolumeType="gp3")["VolumeId"]
        made.append(ec2.create_snapshot(VolumeId=volume)["SnapshotId"])
    return made


def _owned(target: Any) -> set[str]:
    """Ids of the account's own images and snapshots right now."""
    from lifecycle_runner.aws_target import leftovers

    found = leftovers(target, ["images", "snapshots"])
    return {*found["images"], *found["snapshots"]}


def _left(target: Any, before: set[str], seeded: Sequence[str]) -> int:
    """Images and snapshots a round made (or was given) that are still there after destroy."""
    now = _owned(target)
    return len(now - before) + len(now & set(seeded))


def _image_props(snapshot_id: str, name: str) -> dict[str, Any]:
    return {
        "imageName": name,
        "description": "host overhead probe",
        "deregistrationProtection": "disabled",
        "deleteSnapshotsOnDestroy": True,
        "fromSnapshots": {"rootDeviceName": "/dev/xvda", "architecture": "x86_64"},
        "blockDeviceMappings": [
            {"deviceName": "/dev/xvda", "ebs": {"snapshotId": snapshot_id, "volumeType": "gp3"}}
        ],
    }


_IMPORT_PROBE = (
    "import time, pulumi.dynamic\n"
    "start = time.perf_counter()\n"
    "import ami_lifecycle.provider.image\n"
    "print(time.perf_counter() - start)\n"
)


def _fresh_import_seconds() -> float:
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_PROBE], check=True, capture_output=True, text=True
    )
    return float(done.stdout.strip().splitlines()[-1])


def _host_overhead(target: Any, scratch: Path, result: HostOverhead, round_: int) -> None:
    """One provider host, driven directly: start, Check, Create, Read, each timed; the same
    provider calls in this process for reference."""
    from pulumi.dynamic.dynamic import serialize_provider

    from ami_lifecycle.provider.image import ImageProvider
    from lifecycle_runner.display import Display
    from lifecycle_runner.engine_service import EngineServer
    from lifecycle_runner.provider_client import ResourceCall
    from lifecycle_runner.provider_host import ProviderHost

    result.import_fresh.add(_fresh_import_seconds())
    log = scratch / f"host-probe-{round_}.jsonl"
    engine = EngineServer(Display(io.StringIO()))
    host = ProviderHost(
        program_dir=STACK_PROGRAM,
        engine_address=engine.address,
        environment={
            "PULUMI_PROJECT": "ami-lifecycle-bench",
            "PULUMI_STACK": f"host-{round_}",
            **target.environment(),
            **_probe_environment(log),
        },
        config={"aws:region": target.region},
        display=Display(io.StringIO()),
    )
    provider = serialize_provider(ImageProvider())
    who = ResourceCall(
        urn=f"urn:pulumi:host::ami-lifecycle-bench::pulumi-python:dynamic/ami-lifecycle:Image::"
        f"probe-{round_}",
        type="pulumi-python:dynamic/ami-lifecycle:Image",
        name=f"probe-{round_}",
    )
    [snapshot] = _snapshots(target, 1)
    news = {"__provider": provider, **_image_props(snapshot, f"host-probe-{round_}")}
    local = ImageProvider()
    local_client = target.client("ec2")  # one client, as the host keeps one
    local.inject(client_factory=lambda _region, _profile: local_client)
    try:
        with stopwatch(result.start):
            client = host.client
        with stopwatch(result.first_check):
            checked = client.check(who, {}, news)
        for _ in range(STEADY_CALLS):
            with stopwatch(result.check):
                client.check(who, {}, news)
            with stopwatch(result.check_in_process):
                local.check({}, dict(news))
        with stopwatch(result.first_create):
            image_id, outputs = client.create(who, checked.inputs)
        local.read(image_id, dict(outputs))  # this process's client, created outside the timing
        for _ in range(STEADY_CALLS):
            with stopwatch(result.read):
                client.read(who, image_id, outputs, checked.inputs)
            with stopwatch(result.read_in_process), _quiet():
                local.read(image_id, dict(outputs))
        client.delete(who, image_id, outputs, checked.inputs)
    finally:
        host.stop()
        engine.stop()
    probe = ProbeLog.read(log)
    for pid in probe.pids("provider host"):
        clients = probe.clients(pid)
        unpickles = probe.unpickles(pid)
        result.clients_per_host.append(len(clients))
        result.unpickles_per_host.append(len(unpickles))
        for seconds in clients:
            result.client_in_host.add(seconds)
        for seconds in unpickles:
            result.unpickle_in_host.add(seconds)


@contextmanager
def _quiet() -> Iterator[None]:
    from contextlib import redirect_stderr

    with redirect_stderr(io.StringIO()):
        yield


def _example_round(target: Any, scratch: Path, result: ProtocolsResult, round_: int) -> None:
    """The example stack: up with the policy pack, up turning protection off, destroy."""
    from lifecycle_runner.example_story import seed

    before = _owned(target)
    seeded = seed(target)
    stack = f"example{round_}"
    work = scratch / stack
    common: dict[str, Any] = {
        "program": REPO_ROOT,
        "stack": stack,
        "endpoint": target.endpoint_url,
        "work_dir": work,
    }
    steps = [
        ("up (create, with the policy pack)", "up", {**seeded}, POLICY_PACK),
        ("up (protection off, in place)", "up", {"ami-lifecycle:protection": "disabled"}, None),
        ("destroy", "destroy", {}, None),
    ]
    for label, command, config, pack in steps:
        run = _cli(label, command, config=config, policy_pack=pack, **common)
        result.example.setdefault(label, []).append(run)
        if not run.ok:
            return
    result.leftovers[f"example {round_}"] = _left(
        target, before, [seeded["ami-lifecycle:rootSnapshotId"]]
    )


def _stack_round(
    target: Any, scratch: Path, result: ProtocolsResult, size: int, round_: int
) -> None:
    before = _owned(target)
    snapshots = _snapshots(target, size)
    stack = f"images{size}r{round_}"
    common: dict[str, Any] = {
        "program": STACK_PROGRAM,
        "stack": stack,
        "endpoint": target.endpoint_url,
        "work_dir": scratch / stack,
    }
    config = {"imageCount": str(size), "rootSnapshotIds": ",".join(snapshots)}
    up = _cli(f"up {size}", "up", config=config, **common)
    result.stacks.setdefault(("up", size), []).append(up)
    if not up.ok:
        return
    result.state_cost.setdefault(size, []).append(_state_save_cost(scratch / stack, stack))
    destroy = _cli(f"destroy {size}", "destroy", config={}, **common)
    result.stacks.setdefault(("destroy", size), []).append(destroy)
    result.leftovers[f"stack of {size}, round {round_}"] = _left(target, before, snapshots)


def _provider_bytes(value: Any) -> int:
    if isinstance(value, dict):
        return sum(
            len(v) if k == "__provider" and isinstance(v, str) else _provider_bytes(v)
            for k, v in value.items()
        )
    if isinstance(value, list):
        return sum(_provider_bytes(v) for v in value)
    return 0


def _state_save_cost(work_dir: Path, stack: str) -> tuple[int, float, int]:
    """The runner's state file after `up`, what one `save_state` of it costs, and how much of
    it is pickled providers."""
    from lifecycle_runner.runner import STATE_NAME
    from lifecycle_runner.state import load_state, save_state

    path = work_dir / STATE_NAME
    state = load_state(path, "ami-lifecycle-bench", stack)
    samples = Samples()
    copy = work_dir / "state-copy.json"
    for _ in range(5):
        with stopwatch(samples):
            save_state(copy, state)
    provider = _provider_bytes(json.loads(path.read_text(encoding="utf-8")))
    return path.stat().st_size, samples.median, provider


STEP = re.compile(r"^\s*\S+\s+(create|delete)\s+(\S+-image)\s+([\d.]+)s", re.MULTILINE)


def step_seconds(output: str) -> list[float]:
    """The duration the runner printed for each dynamic `Image` step, in order."""
    return [float(match.group(3)) for match in STEP.finditer(output)]


def measure(settings: Settings) -> ProtocolsResult:
    result = ProtocolsResult(sizes=settings.stack_sizes)
    with tempfile.TemporaryDirectory(prefix="bench-protocols-") as scratch_dir:
        scratch = Path(scratch_dir)
        with _emulator(scratch) as target:
            for round_ in range(settings.protocol_repeats):
                _host_overhead(target, scratch, result.host, round_)
                _example_round(target, scratch, result, round_)
                for size in settings.stack_sizes:
                    _stack_round(target, scratch, result, size, round_)
        result.emulator_errors = _tracebacks(scratch / "emulator.log")
    return result


def _tracebacks(log: Path) -> list[str]:
    """The tracebacks in the emulator's log (each up to the line that names the exception)."""
    if not log.exists():
        return []
    found: list[str] = []
    current: list[str] | None = None
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("Traceback"):
            current = [line]
        elif current is not None:
            current.append(line)
            if line and not line.startswith((" ", "\t")):
                found.append("\n".join(current[-8:]))
                current = None
    return found


# -- analysis -----------------------------------------------------------------------------------
def per_image(values: Mapping[int, float]) -> tuple[float, float]:
    """Cost per added image from the smallest stack to the middle one, and to the largest."""
    sizes = sorted(values)
    small, middle, large = sizes[0], sizes[len(sizes) // 2], sizes[-1]
    to_middle = (values[middle] - values[small]) / (middle - small)
    to_large = (values[large] - values[small]) / (large - small)
    return to_middle, to_large


def is_linear(values: Mapping[int, float], noise: float) -> bool:
    """Whether the largest stack costs at most what the line through the two smaller ones
    predicts (per-image cost times `LINEAR_SLACK`), or exceeds that line by less than `noise`
    (the same unit as `values`)."""
    sizes = sorted(values)
    small, large = sizes[0], sizes[-1]
    to_middle, to_large = per_image(values)
    if to_large <= LINEAR_SLACK * max(to_middle, 0.0):
        return True
    predicted = values[small] + max(to_middle, 0.0) * (large - small)
    return values[large] - predicted < noise


def profile_runner_up(size: int) -> ProfileReport:
    """`up` of a stack of `size` images with the runner in this process (its program thread
    included) under cProfile, against a fresh emulator process."""
    from lifecycle_runner import RunOptions, run_command
    from lifecycle_runner.display import Display

    with tempfile.TemporaryDirectory(prefix="bench-profile-") as scratch_dir:
        scratch = Path(scratch_dir)
        with _emulator(scratch) as target:
            snapshots = _snapshots(target, size)
            options = RunOptions(
                "up",
                program=STACK_PROGRAM,
                stack="profiled",
                config={"imageCount": str(size), "rootSnapshotIds": ",".join(snapshots)},
                work_dir=scratch / "work",
            )
            _, report = profile_all_threads(
                lambda: run_command(options, target, Display(io.StringIO()))
            )
    return report


@dataclass(frozen=True)
class PassTimeline:
    """One pass (preview or update) of an `up`, from the timestamps of its output lines."""

    name: str
    seconds: float
    resources: int
    first_gap_ms: float
    """Mean time between consecutive resources finishing, over the first 20."""
    last_gap_ms: float
    """The same over the last 20."""


_PASS = re.compile(r"^(Previewing|Updating|Destroying) ")
_FINISHED = re.compile(r"^\s*\S+\s+(create|update|delete|same)\s+\S+\s+(\(|[\d.]+s)")


def pass_timelines(run: CliRun) -> list[PassTimeline]:
    passes: list[tuple[str, float, list[float]]] = []
    for at, line in run.lines:
        heading = _PASS.match(line)
        if heading:
            passes.append((heading.group(1).lower(), at, []))
        elif passes and _FINISHED.match(line) and not line.rstrip().endswith("..."):
            passes[-1][2].append(at)
        elif passes and line.startswith("Resources:"):
            break
    timelines = []
    for index, (name, began, finished) in enumerate(passes):
        ended = passes[index + 1][1] if index + 1 < len(passes) else run.seconds
        gaps = [b - a for a, b in itertools.pairwise(finished)]
        if len(gaps) < 2:
            continue
        window = max(1, min(20, len(gaps) // 2))
        timelines.append(
            PassTimeline(
                name,
                ended - began,
                len(finished),
                statistics.mean(gaps[:window]) * 1000,
                statistics.mean(gaps[-window:]) * 1000,
            )
        )
    return timelines


def _explain_growth(result: ProtocolsResult, lead: str) -> list[str]:
    largest = max(result.sizes)
    run_ = result.stacks[("up", largest)][0]
    steps = step_seconds(run_.output)
    head, tail = steps[:10], steps[-10:]
    timelines = pass_timelines(run_)
    report = profile_runner_up(largest)
    save = report.find("(save_state)")
    settle = report.find("(settle)")
    cost_rows = [
        f"| {size} | {statistics.median(c[0] for c in costs) / 1024:.0f} | "
        f"{statistics.median(c[2] / c[0] for c in costs):.0%} | "
        f"{statistics.median(c[1] for c in costs) * 1000:.1f} |"
        for size, costs in sorted(result.state_cost.items())
    ]
    lines = [
        f"- {lead}",
        f"- Not in the provider: the runner printed each `Image` step's own duration; at "
        f"{largest} images the first 10 average {statistics.mean(head) * 1000:.0f} ms, the last "
        f"10 {statistics.mean(tail) * 1000:.0f} ms (the first includes the host's start).",
        "- Where the time went, from the arrival time of each output line of the "
        f"{largest}-image `up` (gap = time between two resources finishing):",
        "",
        "| pass | seconds | resources | gap, first 20 (ms) | gap, last 20 (ms) |",
        "| --- | --- | --- | --- | --- |",
        *(
            f"| {t.name} | {t.seconds:.1f} | {t.resources} | {t.first_gap_ms:.0f} | "
            f"{t.last_gap_ms:.0f} |"
            for t in timelines
        ),
        "",
        f"- cProfile of the runner doing that `up` in this process (all threads; "
        f"{report.total:.1f} s profiled, wall clock per thread, so read counts, not sums): "
        f"`lifecycle_runner.state.save_state` called {save.calls if save else 0} times "
        f"({(save.calls / largest) if save else 0:.1f} per image); "
        f"`PluginProcess.settle` (waits for the provider's output to go quiet, at least "
        f"{_settle_quiet_ms():g} ms) "
        f"called {settle.calls if settle else 0} times, {settle.cumulative if settle else 0:.1f} "
        "s in total. One save of the state files the runs left:",
        "",
        "| images | state.json KB | of it pickled `__provider` | one save_state, ms |",
        "| --- | --- | --- | --- |",
        *cost_rows,
        "",
    ]
    # Measured, not profiled: one save at the largest stack times the saves of its `up`, against
    # that `up`'s wall time (the profile's total sums every thread and its own overhead).
    one_save = statistics.median(c[1] for c in result.state_cost.get(largest, [(0, 0.0, 0)]))
    saves_seconds = one_save * (save.calls if save is not None else 0)
    save_share = saves_seconds / run_.seconds if run_.seconds else 0.0
    if save is not None and save.calls >= largest and save_share >= SAVE_SHARE_CAUSE:
        lines += [
            "- Why: the runner saves the whole state after every step, and the state grows with "
            "every image, so the gaps grow through the update pass and an N-image `up` "
            "serialises O(N^2) bytes. The fix belongs in `lifecycle_runner` "
            "(`runner._Command.save`, which the deployment calls after each step), not in "
            "`components/ami_lifecycle`: write only the changed resource (a journal), or save "
            "the whole file once per pass.",
            "",
        ]
    elif save is not None:
        lines += [
            f"- The state saves are not the main cause: {save.calls} saves of at most "
            f"{one_save * 1000:.1f} ms, about {saves_seconds:.1f} s of the {run_.seconds:.1f} s "
            f"`up` ({save_share:.0%}). The provider's own steps do not grow either (above).",
            "",
        ]
    wait = report.find("(wait_for_rpcs)")
    callbacks = report.find("add_done_callback")
    if wait is not None and callbacks is not None and callbacks.calls > 10 * largest:
        lines += [
            f"- Where it grows: the Pulumi Python SDK's own `wait_for_rpcs` "
            f"(`pulumi/runtime/stack.py`), in the program's thread, called {wait.calls} times. "
            "After every output that resolves, it calls `asyncio.wait(FIRST_COMPLETED)` again "
            "over every output still pending, so a program with N pending outputs does O(N^2) "
            f"work: {callbacks.calls:,} `add_done_callback` calls for {largest} images. The "
            "program runs under the same SDK code with the real CLI; there is nothing to fix "
            "in `components/` or in the runner short of changing the SDK (an upstream report).",
            "",
        ]
    preview = next((t for t in timelines if t.name == "previewing"), None)
    if preview is not None and preview.last_gap_ms > LINEAR_SLACK * preview.first_gap_ms:
        lines += [
            f"- The preview pass, which saves no state, slows down too ({preview.first_gap_ms:.0f}"
            f" -> {preview.last_gap_ms:.0f} ms between resources); this profile does not single "
            "out one function for that part.",
            "",
        ]
    return lines


# -- report -------------------------------------------------------------------------------------
def _ms(samples: Samples) -> str:
    return samples.ms() if samples.values else "n/a"


def _tables(result: ProtocolsResult, settings: Settings) -> list[Table]:
    host = result.host
    overhead = Table(
        f"Dynamic-provider host overheads, ms (median (min..max) of "
        f"{settings.protocol_repeats} host(s); steady calls: {STEADY_CALLS} each)",
        ("measure", "over gRPC, host process", "same call in this process", "overhead"),
        (
            ("start: launch to Configure answered", _ms(host.start), "", ""),
            (
                "first Check (unpickles `__provider`, configures it)",
                _ms(host.first_check),
                _ms(host.check_in_process),
                f"{(host.first_check.median - host.check.median) * 1000:.1f} over a later Check",
            ),
            ("unpickle (`dill.loads` in the host, probe)", _ms(host.unpickle_in_host), "", ""),
            (
                "for reference: `import ami_lifecycle.provider.image` after `pulumi.dynamic`, "
                "fresh interpreter",
                _ms(host.import_fresh),
                "",
                "",
            ),
            (
                "Check, steady",
                _ms(host.check),
                _ms(host.check_in_process),
                f"{(host.check.median - host.check_in_process.median) * 1000:.1f}",
            ),
            (
                "first Create (creates the host's boto3 client)",
                _ms(host.first_create),
                "",
                "",
            ),
            ("boto3 EC2 client creation in the host (probe)", _ms(host.client_in_host), "", ""),
            (
                "Read, steady (one DescribeImages)",
                _ms(host.read),
                _ms(host.read_in_process),
                f"{(host.read.median - host.read_in_process.median) * 1000:.1f}",
            ),
        ),
        (
            "EC2 clients created per host process: "
            + ", ".join(str(c) for c in host.clients_per_host)
            + "; `__provider` unpickled per host process: "
            + ", ".join(str(c) for c in host.unpickles_per_host),
            "the host caches the unpickled provider per `__provider` string "
            "(pulumi.dynamic's `_PROVIDER_CACHE`), so only the first call pays for it; the "
            "provider is pickled by reference, so unpickling it means importing its module "
            "(compare the reference row)",
        ),
    )
    example_rows = []
    for label, runs in result.example.items():
        seconds = Samples([r.seconds for r in runs])
        example_rows.append(
            (
                label,
                f"{seconds.median:.2f} ({seconds.low:.2f}..{seconds.high:.2f})"
                if len(runs) > 1
                else f"{seconds.median:.2f}",
                "ok" if all(r.ok for r in runs) else "FAILED",
                ", ".join(str(c) for r in runs for c in r.host_clients()) or "-",
            )
        )
    example = Table(
        "The example stack through `python -m lifecycle_runner`, seconds (launch to exit)",
        ("command", "seconds", "result", "EC2 clients per host process"),
        tuple(example_rows),
        (
            "each command is a fresh runner process: Python start, the program, a provider host, "
            "(for the first up) the policy pack, preview then update",
            "images and snapshots left after each destroy: "
            + (
                ", ".join(
                    f"{k}: {v}" for k, v in result.leftovers.items() if k.startswith("example")
                )
                or "n/a"
            ),
        ),
    )
    rows = []
    for command in ("up", "destroy"):
        for size in result.sizes:
            runs = result.stacks.get((command, size), [])
            if not runs:
                rows.append((command, str(size), "not run", "", "", "", ""))
                continue
            seconds = Samples([r.seconds for r in runs])
            rows.append(
                (
                    command,
                    str(size),
                    f"{seconds.median:.2f}"
                    + (f" ({seconds.low:.2f}..{seconds.high:.2f})" if len(runs) > 1 else ""),
                    "ok" if all(r.ok for r in runs) else "FAILED",
                    f"{result.memory(command, size, 'runner'):.0f}",
                    f"{result.memory(command, size, 'host'):.0f}",
                    ", ".join(str(c) for r in runs for c in r.host_clients()) or "-",
                )
            )
    stacks = Table(
        f"Stacks of N images through `python -m lifecycle_runner` (median of "
        f"{settings.protocol_repeats})",
        (
            "command",
            "images",
            "seconds",
            "result",
            "runner peak MB",
            "host peak MB",
            "EC2 clients per host process",
        ),
        tuple(rows),
        (
            "peak MB: the kernel's RSS high-water mark (VmHWM) of the runner process (it also "
            "runs the program) and of the provider host, sampled every 20 ms",
            "up: preview (Check, Diff) then update (Create) for every image; destroy: Delete",
            "images and snapshots left after each destroy: "
            + (
                ", ".join(f"{k}: {v}" for k, v in result.leftovers.items() if k.startswith("stack"))
                or "n/a"
            ),
        ),
    )
    return [overhead, example, stacks]


def _complete(result: ProtocolsResult) -> bool:
    return all(
        (command, size) in result.stacks and all(r.ok for r in result.stacks[(command, size)])
        for command in ("up", "destroy")
        for size in result.sizes
    )


def _growth(result: ProtocolsResult) -> dict[str, tuple[float, float, bool]]:
    """(per image to middle, per image to largest, linear?) for each curve."""
    curves: dict[str, dict[int, float]] = {}
    for command in ("up", "destroy"):
        curves[f"{command} seconds"] = {s: result.seconds(command, s).median for s in result.sizes}
        for role in ("runner", "host"):
            curves[f"{command} {role} MB"] = {
                s: result.memory(command, s, role) for s in result.sizes
            }
    return {
        name: (*per_image(curve), is_linear(curve, NOISE[name.rsplit(" ", 1)[1]]))
        for name, curve in curves.items()
    }


def _chart(result: ProtocolsResult, out_dir: Path) -> Path:
    xs = [float(s) for s in result.sizes]
    return draw(
        out_dir / "protocols.png",
        "Stacks of N images through the real provider protocol (lifecycle_runner CLI)",
        [
            Panel(
                "Wall time per command (median)",
                "images in the stack (N)",
                "seconds",
                [
                    Series(command, xs, [result.seconds(command, s).median for s in result.sizes])
                    for command in ("up", "destroy")
                ],
                log_x=True,
                xticks=xs,
            ),
            Panel(
                "Peak memory (median of runs)",
                "images in the stack (N)",
                "MB (VmHWM)",
                [
                    Series(
                        f"{command}: {role}",
                        xs,
                        [result.memory(command, s, role) for s in result.sizes],
                        dashed=command == "destroy",
                    )
                    for command in ("up", "destroy")
                    for role in ("runner", "host")
                ],
                log_x=True,
                xticks=xs,
            ),
        ],
    )


def _skipped(reason: str) -> Section:
    return Section(
        key="protocols",
        title="3. Through the real protocols",
        summary="`up`/`destroy` through the runner, provider-host overheads, stacks of N images.",
        skipped=reason,
        verdicts=[
            Verdict("linear growth with the number of images", None, f"skipped: {reason}"),
            Verdict("one boto3 client per provider-host process", None, f"skipped: {reason}"),
        ],
    )


def run(settings: Settings, out_dir: Path) -> Section:
    reason = availability()
    if reason is not None:
        return _skipped(reason)
    result = measure(settings)
    failures = [r for r in result.runs() if not r.ok]
    host_counts = [
        c for r in result.runs() for c in r.host_clients()
    ] + result.host.clients_per_host
    one_client = bool(host_counts) and all(c == 1 for c in host_counts)
    verdicts: list[Verdict] = []
    analysis: list[str] = []
    charts: list[Path] = []
    if _complete(result):
        growth = _growth(result)
        time_linear = all(growth[f"{c} seconds"][2] for c in ("up", "destroy"))
        memory_linear = all(v[2] for k, v in growth.items() if k.endswith("MB"))
        detail = "; ".join(
            f"{name}: {to_middle * (1000 if 'seconds' in name else 1):.2f} -> "
            f"{to_large * (1000 if 'seconds' in name else 1):.2f} "
            f"{'ms' if 'seconds' in name else 'MB'}/image"
            for name, (to_middle, to_large, _) in growth.items()
        )
        time_detail = "; ".join(p for p in detail.split("; ") if "seconds" in p)
        # Tiny (--quick) stacks can show no per-image cost above the one-image stack at all:
        # then there is no ratio to report, and the linear rule alone decides.
        growth_ratio = max(
            (
                growth[f"{c} seconds"][1] / growth[f"{c} seconds"][0]
                for c in ("up", "destroy")
                if growth[f"{c} seconds"][0] > 0
            ),
            default=0.0,
        )
        verdicts += [
            Verdict(
                "wall time grows linearly with the number of images",
                time_linear,
                f"{time_detail} (per-image cost, largest over middle stack: at most "
                f"{growth_ratio:.2f}; the rule allows {LINEAR_SLACK:g})",
            ),
            Verdict(
                "peak memory grows linearly (or less) with the number of images",
                memory_linear,
                "; ".join(p for p in detail.split("; ") if "MB" in p),
            ),
        ]
        charts.append(_chart(result, out_dir))
        if not time_linear or growth_ratio > WATCH_RATIO:
            lead = (
                f"Wall time per image grew faster than linearly ({time_detail})."
                if not time_linear
                else f"Wall time is within the linear rule, but the cost per image still grows "
                f"by up to {growth_ratio:.2f}x from the middle to the largest stack "
                f"({time_detail}); the same analysis:"
            )
            analysis += _explain_growth(result, lead)
    else:
        verdicts.append(
            Verdict(
                "linear growth with the number of images",
                None,
                "not every stack command succeeded; see the tables",
            )
        )
    verdicts.append(
        Verdict(
            "one boto3 client per provider-host process",
            one_client,
            f"EC2 clients created per host process, every run: {sorted(set(host_counts))} "
            f"({len(host_counts)} host processes)",
        )
    )
    if failures:
        if result.emulator_errors:
            analysis += [
                f"- The emulator process logged {len(result.emulator_errors)} traceback(s) "
                "(answered as HTTP 500); the last one:",
                "",
                "```",
                result.emulator_errors[-1],
                "```",
                "",
            ]
        for run_ in failures:
            tail = "\n".join(run_.output.strip().splitlines()[-12:])
            analysis += [
                f"- `{run_.label}` failed (exit {run_.exit_code}):",
                "",
                "```",
                tail,
                "```",
                "",
            ]
    left = sum(result.leftovers.values())
    verdicts.append(
        Verdict(
            "every destroy leaves no image and no snapshot (checked, not a target)",
            left == 0 if result.leftovers else None,
            f"{left} left in total",
        )
    )
    return Section(
        key="protocols",
        title="3. Through the real protocols",
        summary=(
            "`python -m lifecycle_runner up|destroy` (the runner playing the Pulumi CLI: the "
            "program in-process, a real `python -u -m pulumi.dynamic` provider host and a real "
            "policy pack over gRPC, a state file) against the runner's EC2 emulator process, "
            "plus the provider host driven directly to isolate its overheads."
        ),
        tables=_tables(result, settings),
        verdicts=verdicts,
        analysis=analysis,
        charts=charts,
        data=result,
    )
