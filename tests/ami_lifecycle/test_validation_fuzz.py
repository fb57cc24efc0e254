"""The validators against arbitrary JSON-like property bags: they never raise, every problem they
report names a property and a reason, and whatever they accept is read exactly and renders an EC2
request that botocore's own model accepts.

Bags come two ways: built from nothing, and as a valid image with a few of its values replaced,
removed or added (a mostly valid bag gets past the first refusals and reaches the deeper rules).
Examples are derandomized, so the suite runs the same cases, in bounded time, every time.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator
from hypothesis import given, settings
from hypothesis import strategies as st
from pulumi.runtime.rpc import UNKNOWN

from ami_lifecycle.adoption import TOKEN_PROPERTY
from ami_lifecycle.errors import InputProblem
from ami_lifecycle.image_spec import ImageSpec, InstanceSource, tag_specifications
from ami_lifecycle.outputs import OUTPUT_KEYS
from ami_lifecycle.provider.image import ImageProvider
from ami_lifecycle.provider.snapshot import VolumeSnapshotProvider
from ami_lifecycle.schema import IMAGE, MACHINE_IMAGE
from ami_lifecycle.validation import is_unknown, validate_image_props, validate_snapshot_props
from analyzer_host import Resource, in_process_client
from policies.ami_guard import PACK_OPTIONS

from .test_validation import valid_instance_image, valid_snapshot_image

Props = dict[str, Any]

FUZZ = settings(max_examples=250, deadline=None, derandomize=True, database=None)

PROPERTY_NAMES = [
    # every level's properties, so that generated bags reach past the unknown-key check
    "imageName",
    "description",
    "tags",
    "region",
    "deregistrationProtection",
    "deleteSnapshotsOnDestroy",
    "fromSnapshots",
    "fromInstance",
    "blockDeviceMappings",
    "rootDeviceName",
    "architecture",
    "bootMode",
    "virtualizationType",
    "enaSupport",
    "billingProducts",
    "instanceId",
    "noReboot",
    "deviceName",
    "ebs",
    "noDevice",
    "virtualName",
    "snapshotId",
    "volumeId",
    "volumeSize",
    "volumeType",
    "iops",
    "throughput",
    "deleteOnTermination",
    "encrypted",
    "kmsKeyId",
    "outpostArn",
    "volumeInitializationRate",
    "deleteOnDestroy",
    TOKEN_PROPERTY,
    *OUTPUT_KEYS,
]
PLAUSIBLE_STRINGS = [
    "true",
    "false",
    "",
    "golden-image",
    "enabled",
    "disabled",
    "x86_64",
    "uefi",
    "hvm",
    "v2.0",
    "gp3",
    "io2",
    "st1",
    "/dev/xvda",
    "/dev/sdb",
    "snap-0123456789abcdef0",
    "vol-0123456789abcdef0",
    "i-0123456789abcdef0",
    "ephemeral0",
    "aws:owner",
    UNKNOWN,
]

keys = st.sampled_from(PROPERTY_NAMES) | st.text(max_size=6)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([0, 1, 3, 99, 100, 125, 200, 300, 3000, 16_384, 65_536, 2**31, -5])
    | st.floats()
    | st.sampled_from(PLAUSIBLE_STRINGS)
    | st.text(max_size=10)
)
json_like = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=10,
)
arbitrary_bags = st.dictionaries(keys, json_like, max_size=6)
plausible = (
    st.none()
    | st.booleans()
    | st.sampled_from([1, 8, 100, 200, 500, 3000, 3000.0, 16_384])
    | st.sampled_from([s for s in PLAUSIBLE_STRINGS if s != UNKNOWN])
)
"""Values of the types the properties take, so that a replacement is often accepted."""


def _slots(value: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) in a bag: its values, at any depth."""
    found: list[tuple[Any, Any]] = []
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in list(items):
        found.append((value, key))
        if isinstance(item, dict | list):
            found.extend(_slots(item))
    return found


def valid_full_image() -> Props:
    """A valid image with every optional property set, so that each of them gets mutated."""
    return {
        "imageName": "golden-full",
        "description": "every property",
        "tags": {"team": "platform", "cost-centre": ""},
        "region": "eu-west-1",
        "deregistrationProtection": "enabled-with-cooldown",
        "deleteSnapshotsOnDestroy": False,
        "fromSnapshots": {
            "rootDeviceName": "/dev/xvda",
            "architecture": "arm64",
            "bootMode": "uefi",
            "virtualizationType": "hvm",
            "enaSupport": True,
            "tpmSupport": "v2.0",
            "imdsSupport": "v2.0",
            "uefiData": "QUJD",
            "sriovNetSupport": "simple",
            "billingProducts": ["bp-1", "bp-2"],
        },
        "blockDeviceMappings": [
            {
                "deviceName": "/dev/xvda",
                "ebs": {
                    "snapshotId": "snap-0123456789abcdef0",
                    "volumeSize": 16.0,
                    "volumeType": "gp3",
                    "iops": 3000.0,
                    "throughput": 250.0,
                    "deleteOnTermination": True,
                    "volumeInitializationRate": 300.0,
                },
            },
            {
                "deviceName": "/dev/sdf",
                "ebs": {"volumeSize": 200, "volumeType": "st1", "encrypted": True},
            },
            {"deviceName": "/dev/sdg", "noDevice": False, "virtualName": "ephemeral1"},
        ],
    }


def _like(value: Any) -> st.SearchStrategy[Any]:
    """Values of the same type as `value`: a replacement that is often still accepted."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int | float):
        numbers = [1, 4, 8, 100, 125, 300, 500, 3000, 16_384]
        return st.sampled_from(numbers) | st.sampled_from([float(n) for n in numbers])
    if isinstance(value, str):
        return st.sampled_from([s for s in PLAUSIBLE_STRINGS if s != UNKNOWN])
    return st.just(value)


@st.composite
def mutated_bags(draw: st.DrawFn) -> Props:
    """A valid image with one to three of its values replaced, removed or added."""
    base = draw(st.sampled_from([valid_snapshot_image, valid_instance_image, valid_full_image]))
    props: Props = copy.deepcopy(base())
    for _ in range(draw(st.integers(1, 3))):
        container, key = draw(st.sampled_from(_slots(props)))
        action = draw(st.sampled_from(["alike", "replace", "remove", "add"]))
        if action == "alike":
            container[key] = draw(_like(container[key]))
        elif action == "replace":
            container[key] = draw(plausible | json_like)
        elif action == "remove":
            del container[key]
        elif isinstance(container, dict):
            container[draw(keys)] = draw(json_like)
        else:
            container.append(draw(json_like))
    return props


def _contains_unknown(value: Any) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(_contains_unknown(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_contains_unknown(v) for v in value)
    return False


EC2 = botocore.session.get_session().get_service_model("ec2")


def _request(spec: ImageSpec) -> tuple[str, dict[str, Any]]:
    """The request the spec makes, rendered as creation renders it (without the creation token
    tag, which only adds a valid tag)."""
    kwargs: dict[str, Any] = {"Name": spec.image_name}
    if spec.description is not None:
        kwargs["Description"] = spec.description
    if spec.block_device_mappings:
        kwargs["BlockDeviceMappings"] = spec.mappings_api()
    if isinstance(spec.source, InstanceSource):
        kwargs["InstanceId"] = spec.source.instance_id
        if spec.source.no_reboot is not None:
            kwargs["NoReboot"] = spec.source.no_reboot
        resource_types = ["image", "snapshot"]
        operation = "CreateImage"
    else:
        kwargs.update(spec.source.to_api())
        resource_types = ["image"]
        operation = "RegisterImage"
    if spec.tags:
        kwargs["TagSpecifications"] = tag_specifications(spec.tags, resource_types)
    return operation, kwargs


def _assert_well_formed(problems: list[InputProblem]) -> None:
    for problem in problems:
        assert isinstance(problem, InputProblem)
        assert isinstance(problem.property, str)
        assert problem.property
        assert isinstance(problem.reason, str)
        assert problem.reason


def _assert_image_rules_hold(props: Any) -> None:
    for standalone in (False, True):
        problems = validate_image_props(props, standalone=standalone)
        _assert_well_formed(problems)
        if problems or _contains_unknown(props):
            continue
        spec = ImageSpec.from_props(props)
        declared = props.get("deleteSnapshotsOnDestroy")
        assert spec.delete_snapshots_on_destroy is (declared is not False)
        operation, request = _request(spec)
        shape = EC2.operation_model(operation).input_shape
        assert shape is not None
        report = ParamValidator().validate(request, shape)
        assert not report.has_errors(), report.generate_report()

    for in_component in (False, True):
        checked = ImageProvider().check(
            {}, props if isinstance(props, dict) else {}, in_component=in_component
        )
        if not checked.failures:
            # What the provider's delete reads: a bool, never a string it would take for true.
            assert isinstance(checked.inputs["deleteSnapshotsOnDestroy"], bool) or is_unknown(
                checked.inputs["deleteSnapshotsOnDestroy"]
            )


def _assert_snapshot_rules_hold(props: Any) -> None:
    problems = validate_snapshot_props(props)
    _assert_well_formed(problems)
    checked = VolumeSnapshotProvider().check({}, props if isinstance(props, dict) else {})
    if not checked.failures:
        delete = checked.inputs["deleteOnDestroy"]
        assert isinstance(delete, bool) or is_unknown(delete)
        assert isinstance(checked.inputs["volumeId"], str) or is_unknown(checked.inputs["volumeId"])


@FUZZ
@given(arbitrary_bags)
def test_arbitrary_bags_never_raise(props: Props) -> None:
    _assert_image_rules_hold(props)
    _assert_snapshot_rules_hold(props)


@FUZZ
@given(mutated_bags())
def test_mostly_valid_bags_never_raise_and_what_passes_is_read_exactly(props: Props) -> None:
    _assert_image_rules_hold(props)


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(json_like)
def test_bags_that_are_not_objects_never_raise(props: Any) -> None:
    _assert_image_rules_hold(props)
    _assert_snapshot_rules_hold(props)


def test_the_fuzzing_reaches_accepted_bags() -> None:
    # Guard against a generator so wild that the "what passes" half never runs.
    accepted = 0

    @settings(max_examples=200, deadline=None, derandomize=True, database=None)
    @given(mutated_bags())
    def count(props: Props) -> None:
        nonlocal accepted
        accepted += not validate_image_props(props)

    count()
    assert accepted >= 25


def _as_the_engine_sends(value: Any) -> Any:
    """Numbers as finite doubles (state is JSON), unknowns as the string sentinel, `__` keys
    left out."""
    if is_unknown(value):
        return UNKNOWN
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) if abs(value) < 1e300 else None
    if isinstance(value, Mapping):
        return {k: _as_the_engine_sends(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, list):
        return [_as_the_engine_sends(v) for v in value]
    return value


@pytest.fixture(scope="module")
def analyzer() -> Any:
    client = in_process_client(**PACK_OPTIONS)
    client.prepare(None)
    return client


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(bag=arbitrary_bags | mutated_bags(), resource_type=st.sampled_from(["component", "image"]))
def test_the_policy_pack_answers_the_same_bags(
    analyzer: Any, bag: Props, resource_type: str
) -> None:
    # The pack reads the same properties; a policy that raised would turn into one generic
    # diagnostic and silence the pack's other checks for the resource.
    token = {"component": MACHINE_IMAGE, "image": IMAGE}[resource_type]
    resource = Resource(type=token, name="web", properties=_as_the_engine_sends(bag))
    for diagnostic in analyzer.analyze(resource) + analyzer.analyze_stack([resource]):
        assert " must " in diagnostic.detail, diagnostic.detail
