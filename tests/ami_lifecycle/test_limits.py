"""The limits table against the installed botocore EC2 model's own text.

When a botocore release moves a limit, this fails and names the limit, instead of the package
refusing values AWS already accepts (or accepting values it refuses).
"""

from __future__ import annotations

import re
from typing import Any

import boto3
import pytest

from ami_lifecycle import limits


@pytest.fixture(scope="module")
def ebs_docs() -> dict[str, str]:
    model = boto3.client("ec2", region_name="us-east-1").meta.service_model
    shape: Any = model.shape_for("EbsBlockDevice")
    return {
        name: re.sub(r"<[^>]+>", "", member.documentation) for name, member in shape.members.items()
    }


def _numbers(text: str) -> tuple[int, int]:
    low, high = re.findall(r"[\d,]+", text)[:2]
    return int(low.replace(",", "")), int(high.replace(",", ""))


def documented_ranges(doc: str, unit: str) -> dict[str, tuple[int, int]]:
    """`gp2 and gp3: 1 - 16,384 GiB` style lines -> {volume type: (low, high)}."""
    ranges: dict[str, tuple[int, int]] = {}
    pattern = rf"((?:\b[a-z0-9]+\b(?:,? and |, )?)+):\s*([\d,]+\s*-\s*[\d,]+)\s*{unit}"
    for types, span in re.findall(pattern, doc):
        for volume_type in re.split(r",? and |, ", types.strip()):
            ranges[volume_type.strip()] = _numbers(span)
    return ranges


def test_iops_ranges_match_the_model(ebs_docs: dict[str, str]) -> None:
    documented = documented_ranges(ebs_docs["Iops"], "IOPS")
    ours = {t: (v.iops.low, v.iops.high) for t, v in limits.VOLUME_TYPES.items() if v.iops}
    assert ours == documented


def test_iops_required_types_match_the_model(ebs_docs: dict[str, str]) -> None:
    sentence = re.search(r"required for ([^.]+) volumes", ebs_docs["Iops"])
    assert sentence is not None
    documented = set(re.findall(r"\b(io\d)\b", sentence.group(1)))
    assert {t for t, v in limits.VOLUME_TYPES.items() if v.iops_required} == documented


def test_size_ranges_match_the_model(ebs_docs: dict[str, str]) -> None:
    documented = documented_ranges(ebs_docs["VolumeSize"], "GiB")
    ours = {t: (v.size_gib.low, v.size_gib.high) for t, v in limits.VOLUME_TYPES.items()}
    assert ours == documented


def test_throughput_range_matches_the_model(ebs_docs: dict[str, str]) -> None:
    doc = ebs_docs["Throughput"]
    assert "valid only for gp3" in doc
    low = re.search(r"Minimum value of ([\d,]+)", doc)
    high = re.search(r"Maximum value of ([\d,]+)", doc)
    assert low and high
    gp3 = limits.VOLUME_TYPES["gp3"].throughput_mibps
    assert gp3 is not None
    assert (gp3.low, gp3.high) == (
        int(low.group(1).replace(",", "")),
        int(high.group(1).replace(",", "")),
    )
    assert [t for t, v in limits.VOLUME_TYPES.items() if v.throughput_mibps] == ["gp3"]


def test_volume_initialization_rate_matches_the_model(ebs_docs: dict[str, str]) -> None:
    span = re.search(
        r"Valid range:\s*([\d,]+\s*-\s*[\d,]+)\s*MiB/s", ebs_docs["VolumeInitializationRate"]
    )
    assert span is not None
    rate = limits.VOLUME_INITIALIZATION_RATE
    assert (rate.low, rate.high) == _numbers(span.group(1))


def test_enumerations_match_the_model() -> None:
    model: Any = boto3.client("ec2", region_name="us-east-1").meta.service_model
    assert set(model.shape_for("VolumeType").enum) == set(limits.VOLUME_TYPES)
    assert set(model.shape_for("ArchitectureValues").enum) == limits.ARCHITECTURES
    assert set(model.shape_for("BootModeValues").enum) == limits.BOOT_MODES
    assert set(model.shape_for("TpmSupportValues").enum) == limits.TPM_SUPPORT_VALUES
    assert set(model.shape_for("ImdsSupportValues").enum) == limits.IMDS_SUPPORT_VALUES


def test_the_parser_reads_the_2025_text_too() -> None:
    """The same parser on the seed's wording finds the old, lower gp3 limits."""
    old = "gp3: 3,000 - 16,000 IOPS io1: 100 - 64,000 IOPS io2: 100 - 256,000 IOPS"
    assert documented_ranges(old, "IOPS")["gp3"] == (3_000, 16_000)
    old_sizes = "gp2 and gp3: 1 - 16,384 GiB io1: 4 - 16,384 GiB"
    assert documented_ranges(old_sizes, "GiB") == {
        "gp2": (1, 16_384),
        "gp3": (1, 16_384),
        "io1": (4, 16_384),
    }
