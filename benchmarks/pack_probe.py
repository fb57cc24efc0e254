"""The policy pack with a stopwatch on every analyzer call, for the CLI benchmark's breakdown.

Why this exists: a preview with `--policy-pack` is slower than one without, and the difference
alone doesn't say whether the pack's policies, its process start or the engine's side of the
protocol costs it. `python pack_probe.py <log> <engine address> <pack dir>` runs the pack exactly
as `python -m pulumi.policy <engine address> <pack dir>` does, with each method of pulumi-policy's
analyzer servicer wrapped: one JSON line per call (method, wall-clock start, seconds in the
handler) appended to `<log>`, plus one line when the process started. Only the breakdown's own
preview runs under it; the timed previews run the pack unwrapped.
"""

from __future__ import annotations

import functools
import json
import runpy
import sys
import threading
import time
from collections.abc import Callable
from typing import IO, Any

__all__ = ["RPCS", "main"]

RPCS = ("Analyze", "AnalyzeStack", "Remediate", "GetAnalyzerInfo", "Configure", "ConfigureStack")

_lock = threading.Lock()


def _write(log: IO[str], record: dict[str, Any]) -> None:
    with _lock:
        log.write(json.dumps(record) + "\n")
        log.flush()


def _timed(name: str, method: Callable[..., Any], log: IO[str]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(self: Any, request: Any, context: Any) -> Any:
        started = time.time()
        start = time.perf_counter()
        try:
            return method(self, request, context)
        finally:
            seconds = time.perf_counter() - start
            _write(log, {"rpc": name, "at": started, "seconds": seconds})

    return call


def main(argv: list[str]) -> None:
    log_path, engine, pack = argv
    log = open(log_path, "a", encoding="utf-8")  # noqa: SIM115 - open for the process's life
    _write(log, {"event": "start", "at": time.time()})
    from pulumi_policy import policy

    servicer = policy._PolicyAnalyzerServicer
    for name in RPCS:
        method = getattr(servicer, name, None)
        if method is not None:
            setattr(servicer, name, _timed(name, method, log))
    sys.argv = ["pulumi.policy", engine, pack]
    runpy.run_module("pulumi.policy", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
