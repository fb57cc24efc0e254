"""Every AWS limit the input checks enforce, in one table, each with its source.

AWS raises these limits from time to time. The values follow the newest text available: the
documentation inside the installed botocore EC2 model (`EbsBlockDevice` members), which is newer
than the 2025 API changelog in `shared/seeds/004_*.txt` (that one said gp3 stops at 16,000 IOPS,
1,000 MiB/s and 16,384 GiB). `tests/ami_lifecycle/test_limits.py` compares this table with the
installed model's text, so a new botocore release that moves a limit fails a test instead of
blocking users.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "ARCHITECTURES",
    "BOOT_MODES",
    "IMAGE_NAME_LENGTH",
    "IMAGE_NAME_PATTERN",
    "IMDS_SUPPORT_VALUES",
    "RESOURCE_ID_PATTERN",
    "TAG_KEY_MAX",
    "TAG_VALUE_MAX",
    "TPM_SUPPORT_VALUES",
    "VIRTUALIZATION_TYPES",
    "VOLUME_INITIALIZATION_RATE",
    "VOLUME_TYPES",
    "Range",
    "VolumeTypeLimits",
]

EBS_MODEL = "botocore EC2 model, EbsBlockDevice"
SEED_CHANGELOG = "EC2 API changelog 2025-05-06 (shared/seeds/004)"


@dataclass(frozen=True)
class Range:
    """An inclusive integer range with the document it comes from."""

    low: int
    high: int
    source: str

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int) and self.low <= value <= self.high

    def __str__(self) -> str:
        return f"{self.low:,}-{self.high:,}"


@dataclass(frozen=True)
class VolumeTypeLimits:
    """What one EBS volume type accepts in a block device mapping."""

    size_gib: Range
    iops: Range | None = None
    """`None`: the type takes no `Iops` (only gp3, io1 and io2 list supported values)."""
    iops_required: bool = False
    throughput_mibps: Range | None = None
    """`None`: the type takes no `Throughput` ("valid only for gp3 volumes")."""


VOLUME_TYPES: dict[str, VolumeTypeLimits] = {
    "gp3": VolumeTypeLimits(
        size_gib=Range(1, 65_536, f"{EBS_MODEL}.VolumeSize"),
        iops=Range(3_000, 80_000, f"{EBS_MODEL}.Iops"),
        throughput_mibps=Range(125, 2_000, f"{EBS_MODEL}.Throughput"),
    ),
    "gp2": VolumeTypeLimits(size_gib=Range(1, 16_384, f"{EBS_MODEL}.VolumeSize")),
    "io1": VolumeTypeLimits(
        size_gib=Range(4, 16_384, f"{EBS_MODEL}.VolumeSize"),
        iops=Range(100, 64_000, f"{EBS_MODEL}.Iops"),
        iops_required=True,
    ),
    "io2": VolumeTypeLimits(
        size_gib=Range(4, 65_536, f"{EBS_MODEL}.VolumeSize"),
        iops=Range(100, 256_000, f"{EBS_MODEL}.Iops"),
        iops_required=True,
    ),
    "st1": VolumeTypeLimits(size_gib=Range(125, 16_384, f"{EBS_MODEL}.VolumeSize")),
    "sc1": VolumeTypeLimits(size_gib=Range(125, 16_384, f"{EBS_MODEL}.VolumeSize")),
    "standard": VolumeTypeLimits(size_gib=Range(1, 1_024, f"{EBS_MODEL}.VolumeSize")),
}

VOLUME_INITIALIZATION_RATE = Range(100, 300, f"{EBS_MODEL}.VolumeInitializationRate")

IMAGE_NAME_LENGTH = Range(3, 128, "RegisterImage/CreateImage Name constraints")
IMAGE_NAME_PATTERN = re.compile(r"[A-Za-z0-9()\[\] ./\-'@_]+")
"""Alphanumerics, ( ) [ ] space . / - ' @ _ (RegisterImage/CreateImage `Name` constraints)."""

RESOURCE_ID_PATTERN = r"{prefix}-(?:[0-9a-f]{{8}}|[0-9a-f]{{17}})"
"""An EC2 resource id: its type's prefix, a hyphen and 8 (before 2016) or 17 hexadecimal
characters (User Guide, "Resource IDs": i-1a2b3c4d, i-1234567890abcdef0)."""

TAG_KEY_MAX = 127
TAG_VALUE_MAX = 256

# Enumerations from the botocore EC2 model (ArchitectureValues, BootModeValues, ...).
ARCHITECTURES = frozenset({"i386", "x86_64", "arm64", "x86_64_mac", "arm64_mac"})
BOOT_MODES = frozenset({"legacy-bios", "uefi", "uefi-preferred"})
TPM_SUPPORT_VALUES = frozenset({"v2.0"})
IMDS_SUPPORT_VALUES = frozenset({"v2.0"})
VIRTUALIZATION_TYPES = frozenset({"hvm", "paravirtual"})
