"""A probe loaded into the runner's child processes (provider host, policy pack) by `protocols`.

Why this exists: "one boto3 client per process" and "what does unpickling the provider cost in
the host" can only be answered inside the dynamic-provider host, a process the runner starts.
Python imports `sitecustomize` at start-up from `sys.path`, so `protocols` puts this folder on
the children's PYTHONPATH and names a log file in `BENCH_PROBE_LOG`. The probe then appends one
JSON line per event: the process start, every botocore `create_client` (service, seconds) and
every `dill.loads` (seconds). It patches those two functions only when their modules are first
imported, so a process that never uses them pays nothing but this file's own import.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

_LOG = os.environ.get("BENCH_PROBE_LOG")


def _command() -> str:
    try:
        with open(f"/proc/{os.getpid()}/cmdline", "rb") as cmdline:
            return " ".join(part.decode(errors="replace") for part in cmdline.read().split(b"\0"))
    except OSError:
        return " ".join(sys.argv)


def _record(event: str, **fields: Any) -> None:
    if not _LOG:
        return
    line = json.dumps({"event": event, "pid": os.getpid(), "time": time.time(), **fields})
    with open(_LOG, "a", encoding="utf-8") as log:
        log.write(line + "\n")


def _timed(
    event: str, function: Callable[..., Any], describe: Callable[..., dict[str, Any]]
) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            _record(event, seconds=time.perf_counter() - start, **describe(*args, **kwargs))

    return wrapper


def _patch_botocore_client(module: ModuleType) -> None:
    creator = module.ClientCreator

    def describe(_self: Any, service_name: str, *_args: Any, **_kwargs: Any) -> dict[str, Any]:
        return {"service": service_name}

    creator.create_client = _timed("client", creator.create_client, describe)


def _patch_dill(module: ModuleType) -> None:
    setattr(module, "loads", _timed("unpickle", module.loads, lambda *_a, **_k: {}))  # noqa: B010


_PATCHES: dict[str, Callable[[ModuleType], None]] = {
    "botocore.client": _patch_botocore_client,
    "dill": _patch_dill,
}


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself; wraps the real loader of the modules in `_PATCHES`."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        patch = _PATCHES.pop(fullname, None)
        if patch is None:
            return None
        if not _PATCHES:
            sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        execute = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            execute(module)
            patch(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


if _LOG:
    _record("start", command=_command())
    sys.meta_path.insert(0, _PatchOnImport())
