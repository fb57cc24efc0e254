"""The providers are pickled into Pulumi state by reference, and carry no client."""

from __future__ import annotations

import base64
import itertools
import pickle
import pickletools

import dill
from pulumi.dynamic.dynamic import serialize_provider

from ami_lifecycle.aws.clients import cached_client, clear_cache
from ami_lifecycle.provider.image import ImageProvider
from ami_lifecycle.provider.snapshot import VolumeSnapshotProvider


def _globals_referenced(serialized: str) -> set[str]:
    """Module.Class names the pickle imports (what must stay importable forever)."""
    names: set[str] = set()
    ops = list(pickletools.genops(base64.b64decode(serialized)))
    strings = [
        str(arg) for op, arg, _ in ops if op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE")
    ]
    for op, arg, _ in ops:
        if op.name == "GLOBAL":
            names.add(str(arg).replace(" ", "."))
    for module, qualname in itertools.pairwise(strings):
        if module.startswith("ami_lifecycle"):
            names.add(f"{module}.{qualname}")
    return names


def test_providers_pickle_by_reference_to_their_public_paths() -> None:
    image = serialize_provider(ImageProvider())
    snapshot = serialize_provider(VolumeSnapshotProvider())
    assert "ami_lifecycle.provider.image.ImageProvider" in _globals_referenced(image)
    assert "ami_lifecycle.provider.snapshot.VolumeSnapshotProvider" in _globals_referenced(snapshot)
    # By reference: the class's code is not in the state, so the pickle stays small.
    assert len(base64.b64decode(image)) < 300
    restored = dill.loads(base64.b64decode(image))
    assert type(restored) is ImageProvider


def test_a_used_provider_still_pickles_without_a_client() -> None:
    clear_cache()
    provider = ImageProvider()
    cached_client("us-east-1", None)  # a client now exists in this process ...
    restored = pickle.loads(base64.b64decode(serialize_provider(provider)))
    assert vars(restored) == {}  # ... but never inside the provider
