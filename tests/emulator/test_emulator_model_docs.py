"""The emulator's hard-coded facts, compared with the installed botocore model.

The seeds' README: "Never hard-code a limit without a test that compares it with the installed
model's documentation." Where the newest model and the 2025 texts differ, these tests pin which
one the emulator follows.
"""

from __future__ import annotations

import re
from typing import cast

import boto3
import pytest
from botocore.model import ServiceModel, StructureShape

from ec2_emulator.images import VOLUME_INITIALIZATION_RATE_RANGE


@pytest.fixture(scope="module")
def model() -> ServiceModel:
    return boto3.session.Session().client("ec2", region_name="us-east-1").meta.service_model


def _ebs_member_doc(model: ServiceModel, member: str) -> str:
    shape = cast(StructureShape, model.shape_for("EbsBlockDevice"))
    return _text(shape.members[member].documentation)


def _text(documentation: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", documentation))


def test_volume_initialization_rate_range_matches_the_model(model: ServiceModel) -> None:
    doc = _ebs_member_doc(model, "VolumeInitializationRate")
    low, high = VOLUME_INITIALIZATION_RATE_RANGE

    assert f"Valid range: {low} - {high} MiB/s" in doc


def test_the_model_says_describe_images_does_not_echo_the_rate(model: ServiceModel) -> None:
    """Why ``echo_volume_initialization_rate`` defaults to off."""
    doc = _ebs_member_doc(model, "VolumeInitializationRate")

    assert re.search(r"not supported when using CreateImage and DescribeImages", doc)


def test_the_model_describes_the_phases_of_a_deregistered_image(model: ServiceModel) -> None:
    """Why ``deregistered_visible_seconds`` and ``deregistered_empty_seconds`` exist."""
    doc = _text(model.operation_model("DescribeImages").documentation)

    assert (
        "Recently deregistered images appear in the returned results for a short interval and "
        "then return empty results." in doc
    )
    assert (
        "After all instances that reference a deregistered AMI are terminated, specifying the ID "
        "of the image will eventually return an error indicating that the AMI ID cannot be found."
        in doc
    )


def test_the_model_documents_the_protection_return_as_true(model: ServiceModel) -> None:
    """Why ``protection_return`` defaults to ``"true"``."""
    for operation in (
        "EnableImageDeregistrationProtection",
        "DisableImageDeregistrationProtection",
    ):
        shape = model.operation_model(operation).output_shape
        assert shape is not None
        doc = _text(shape.members["Return"].documentation)
        assert "Returns true if the request succeeds; otherwise, it returns an error." in doc


def test_protection_actions_return_strings_and_deregister_a_boolean(model: ServiceModel) -> None:
    def return_type(operation: str) -> str:
        shape = model.operation_model(operation).output_shape
        assert shape is not None
        return str(shape.members["Return"].type_name)

    assert return_type("EnableImageDeregistrationProtection") == "string"
    assert return_type("DisableImageDeregistrationProtection") == "string"
    assert return_type("DeregisterImage") == "boolean"


def test_the_snapshot_result_codes_match_the_model(model: ServiceModel) -> None:
    shape = model.operation_model("DeregisterImage").output_shape
    assert shape is not None
    result = shape.members["DeleteSnapshotResults"].member  # type: ignore[attr-defined]

    assert set(result.members["ReturnCode"].enum) == {
        "success",
        "skipped",
        "missing-permissions",
        "internal-error",
        "client-error",
    }


def test_the_block_device_mapping_attribute_is_deprecated_in_the_model(
    model: ServiceModel,
) -> None:
    """Why DescribeImageAttribute(blockDeviceMapping) is an AuthFailure."""
    request = model.operation_model("DescribeImageAttribute").input_shape
    assert request is not None
    doc = _text(request.members["Attribute"].documentation)

    assert "returns the Client.AuthFailure error" in doc
