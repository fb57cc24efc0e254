"""One contract: the schema, the input checks and ARCHITECTURE.md name the same properties, with
the same types, and every resource, property and enum value is described."""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pulumi
import pytest

from ami_lifecycle import limits, validation
from ami_lifecycle.adoption import TOKEN_PROPERTY
from ami_lifecycle.schema import (
    IMAGE,
    IMAGE_COPY,
    MACHINE_IMAGE,
    VOLUME_SNAPSHOT,
    package_schema,
)

ARCHITECTURE = Path(__file__).resolve().parents[2] / "ARCHITECTURE.md"
SCHEMA = package_schema()
TYPES = SCHEMA["types"]

# Each documented table: its heading in ARCHITECTURE.md, its properties in the schema, and the
# validator's table of readers for it.
OBJECTS: dict[str, tuple[Mapping[str, Any], Mapping[str, Any]]] = {
    f"`{MACHINE_IMAGE}` (component) and `{IMAGE}`": (
        SCHEMA["resources"][IMAGE]["inputProperties"],
        validation._IMAGE,
    ),
    "`FromSnapshots`": (
        TYPES["ami-lifecycle:index:FromSnapshots"]["properties"],
        validation._FROM_SNAPSHOTS,
    ),
    "`FromInstance`": (
        TYPES["ami-lifecycle:index:FromInstance"]["properties"],
        validation._FROM_INSTANCE,
    ),
    "`BlockDeviceMapping`": (
        TYPES["ami-lifecycle:index:BlockDeviceMapping"]["properties"],
        validation._MAPPING,
    ),
    "`Ebs`": (TYPES["ami-lifecycle:index:Ebs"]["properties"], validation._EBS),
    f"`{VOLUME_SNAPSHOT}`": (
        SCHEMA["resources"][VOLUME_SNAPSHOT]["inputProperties"],
        validation._SNAPSHOT,
    ),
}

_READER_TYPES: dict[str, Callable[[Mapping[str, Any]], bool]] = {
    "_string": lambda p: p.get("type") == "string" or p.get("$ref", "").endswith("Protection"),
    "_flag": lambda p: p.get("type") == "boolean",
    "_count": lambda p: p.get("type") == "integer",
    "_object.<locals>.read": lambda p: "$ref" in p,
    "_list_of.<locals>.read": lambda p: p.get("type") == "array" and "$ref" in p["items"],
    "_strings": lambda p: p.get("type") == "array" and p["items"] == {"type": "string"},
    "_tags": lambda p: p.get("additionalProperties") == {"type": "string"},
}


def documented_tables() -> dict[str, dict[str, str]]:
    """Each `### heading` of ARCHITECTURE.md with its first table: property -> type."""
    tables: dict[str, dict[str, str]] = {}
    heading = None
    for line in ARCHITECTURE.read_text(encoding="utf-8").splitlines():
        if line.startswith("### "):
            heading = line[4:].strip()
        elif heading and (row := re.match(r"\| `(\w+)` \| ([^|]+) \|", line)):
            tables.setdefault(heading, {})[row.group(1)] = row.group(2).strip()
    return tables


def documented_type(schema_property: Mapping[str, Any]) -> str:
    """How ARCHITECTURE.md writes a schema type."""
    if "$ref" in schema_property:
        return str(schema_property["$ref"]).rsplit(":", 1)[-1]
    if schema_property["type"] == "array":
        return f"{documented_type(schema_property['items'])}[]"
    if "additionalProperties" in schema_property:
        return f"map of {documented_type(schema_property['additionalProperties'])}"
    return str(schema_property["type"])


@pytest.mark.parametrize("heading", OBJECTS)
def test_schema_checks_and_docs_name_the_same_properties(heading: str) -> None:
    schema_properties, readers = OBJECTS[heading]
    documented = documented_tables()[heading]
    assert list(documented) == list(schema_properties) == list(readers)
    for name, prop in schema_properties.items():
        assert documented[name] == documented_type(prop), name
        assert _READER_TYPES[readers[name].__qualname__](prop), (name, prop)


def test_the_provider_configuration_is_documented() -> None:
    documented = documented_tables()["Provider configuration (`pulumi:providers:ami-lifecycle`)"]
    assert list(documented) == list(SCHEMA["provider"]["inputProperties"])
    assert list(documented) == list(SCHEMA["config"]["variables"])


def test_outputs_are_the_documented_ones() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    # copyImageIds: the component's own, its copies' ids (tests/plugin/test_plugin_copies.py);
    # deprecationTime: an Image's input that it reads back as AWS reports it.
    image_outputs = set(SCHEMA["resources"][MACHINE_IMAGE]["properties"]) - {
        "copyImageIds",
        "deprecationTime",
    }
    assert image_outputs == set(SCHEMA["resources"][IMAGE]["properties"]) - set(
        SCHEMA["resources"][IMAGE]["inputProperties"]
    )
    for output in image_outputs | set(SCHEMA["resources"][VOLUME_SNAPSHOT]["properties"]):
        assert f"`{output}`" in text, output
    assert TOKEN_PROPERTY not in str(SCHEMA), "the creation token is bookkeeping, not an input"


def described(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every resource, type, property and enum value of the schema, with its path."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key in ("properties", "inputProperties", "variables", "resources", "types"):
                for name, child in value.items():
                    yield f"{path}.{name}", child
                    yield from described(child, f"{path}.{name}")
            elif key == "enum":
                for choice in value:
                    yield f"{path}={choice['value']}", choice


def test_everything_is_described() -> None:
    missing = [path for path, node in described(SCHEMA) if not node.get("description")]
    assert missing == []


def test_limits_in_descriptions_come_from_the_limits_table() -> None:
    ebs = TYPES["ami-lifecycle:index:Ebs"]["properties"]
    assert str(limits.VOLUME_INITIALIZATION_RATE) in ebs["volumeInitializationRate"]["description"]
    assert f"gp3 {limits.VOLUME_TYPES['gp3'].iops}" in ebs["iops"]["description"]
    assert str(limits.VOLUME_TYPES["gp3"].throughput_mibps) in ebs["throughput"]["description"]
    name = SCHEMA["resources"][IMAGE]["inputProperties"]["imageName"]["description"]
    assert str(limits.IMAGE_NAME_LENGTH) in name


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.title() for word in rest)


SDK_ARGS = {
    "MachineImageArgs": SCHEMA["resources"][MACHINE_IMAGE]["inputProperties"],
    "ImageArgs": SCHEMA["resources"][IMAGE]["inputProperties"],
    "ImageCopyArgs": SCHEMA["resources"][IMAGE_COPY]["inputProperties"],
    "VolumeSnapshotArgs": SCHEMA["resources"][VOLUME_SNAPSHOT]["inputProperties"],
    "FromSnapshotsArgs": TYPES["ami-lifecycle:index:FromSnapshots"]["properties"],
    "FromInstanceArgs": TYPES["ami-lifecycle:index:FromInstance"]["properties"],
    "BlockDeviceMappingArgs": TYPES["ami-lifecycle:index:BlockDeviceMapping"]["properties"],
    "EbsArgs": TYPES["ami-lifecycle:index:Ebs"]["properties"],
    "LaunchPermissionsArgs": TYPES["ami-lifecycle:index:LaunchPermissions"]["properties"],
    "CopyTargetArgs": TYPES["ami-lifecycle:index:CopyTarget"]["properties"],
}
"""The Python SDK's TypedDict for each resource's inputs and each object type: `<Name>Args`."""

SDK_OUTPUTS = {
    "MachineImage": (MACHINE_IMAGE, "_MACHINE_IMAGE_OUTPUTS"),
    "Image": (IMAGE, "_IMAGE_OUTPUTS"),
    "ImageCopy": (IMAGE_COPY, "_IMAGE_OUTPUTS"),
    "VolumeSnapshot": (VOLUME_SNAPSHOT, "_SNAPSHOT_OUTPUTS"),
}
"""The Python SDK's class for each resource, and the outputs it registers (`resources.py`)."""


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def test_the_python_sdk_covers_every_resource_and_type() -> None:
    import pulumi_ami_lifecycle as sdk

    resources = {token.rsplit(":", 1)[-1] for token in SCHEMA["resources"]}
    objects = {token.rsplit(":", 1)[-1] for token, t in TYPES.items() if t["type"] == "object"}
    assert set(SDK_OUTPUTS) == resources
    assert set(SDK_ARGS) == {f"{name}Args" for name in resources | objects}
    exported = {*SDK_ARGS, *SDK_OUTPUTS, "DeregistrationProtection", "Provider"}
    assert set(sdk.__all__) == exported
    assert all(hasattr(sdk, name) for name in exported)


def _generic(alias: Any) -> Any:
    """A generic type, to be given arguments known only at run time."""
    return alias


def _sdk_input_type(schema_property: Mapping[str, Any]) -> Any:
    """The type the Python SDK gives a schema property, inside `pulumi.Input[...]`."""
    import pulumi_ami_lifecycle.args as sdk

    if "$ref" in schema_property:
        name = str(schema_property["$ref"]).rsplit(":", 1)[-1]
        return (
            sdk.ProtectionInput
            if name == "DeregistrationProtection"
            else getattr(sdk, f"{name}Args")
        )
    if schema_property["type"] == "array":
        return _generic(list)[_sdk_input_type(schema_property["items"])]
    if "additionalProperties" in schema_property:
        value = _sdk_input_type(schema_property["additionalProperties"])
        return _generic(Mapping)[str, _generic(pulumi.Input)[value]]
    return {"string": str, "boolean": bool, "integer": int}[schema_property["type"]]


@pytest.mark.parametrize("name", SDK_ARGS)
def test_the_python_sdk_takes_exactly_the_schemas_inputs(name: str) -> None:
    """The hand-written Python SDK sends what a generated one would: each argument, camelCased,
    is a schema property of the same type, and each required one is required."""
    import pulumi_ami_lifecycle.args as sdk

    typed = getattr(sdk, name)
    assert [_camel(key) for key in typed.__annotations__] == list(SDK_ARGS[name])
    for key, declared in typed.__annotations__.items():
        required_or_not = typing.get_origin(declared) in (typing.Required, typing.NotRequired)
        [annotation] = typing.get_args(declared) if required_or_not else [declared]
        expected = _generic(pulumi.Input)[_sdk_input_type(SDK_ARGS[name][_camel(key)])]
        assert annotation == expected, (name, key)
    required = {_camel(key) for key in typed.__required_keys__}
    resource = next(
        (r for r in SCHEMA["resources"].values() if r["inputProperties"] is SDK_ARGS[name]), None
    )
    if resource is not None:
        token = resource.get("requiredInputs", [])
    else:
        schema_type = next(t for t in TYPES.values() if t.get("properties") is SDK_ARGS[name])
        token = schema_type.get("required", [])
    assert required == set(token)


def _sdk_output_type(schema_property: Mapping[str, Any]) -> str:
    """How resources.py writes a schema property's type inside `pulumi.Output[...]`."""
    if "$ref" in schema_property:
        return "dict[str, Any]"
    if schema_property["type"] == "array":
        return f"list[{_sdk_output_type(schema_property['items'])}]"
    if "additionalProperties" in schema_property:
        return f"dict[str, {_sdk_output_type(schema_property['additionalProperties'])}]"
    return {"string": "str", "boolean": "bool", "integer": "int"}[schema_property["type"]]


@pytest.mark.parametrize("name", SDK_OUTPUTS)
def test_the_python_sdk_exposes_every_output(name: str) -> None:
    """Each output the schema names (a component's properties; a custom resource's that are not
    its inputs) is registered, and annotated under its Python name with the schema's type,
    optional (`| None`) exactly when the schema doesn't require it."""
    import pulumi_ami_lifecycle.resources as sdk

    token, registered = SDK_OUTPUTS[name]
    resource = SCHEMA["resources"][token]
    outputs = [
        key
        for key in resource["properties"]
        if resource.get("isComponent") or key not in resource["inputProperties"]
    ]
    assert list(getattr(sdk, registered)) == outputs
    annotations = {
        key: annotation
        for cls in reversed(getattr(sdk, name).__mro__)
        if cls.__module__ == sdk.__name__
        for key, annotation in vars(cls).get("__annotations__", {}).items()
    }
    assert set(annotations) == {_snake(key) for key in outputs}
    for key in outputs:
        optional = " | None" if key not in resource.get("required", []) else ""
        output_type = _sdk_output_type(resource["properties"][key])
        assert annotations[_snake(key)] == f"pulumi.Output[{output_type}{optional}]", key


def test_the_python_sdk_takes_every_provider_setting_and_protection() -> None:
    import pulumi_ami_lifecycle as sdk

    parameters = inspect.signature(sdk.Provider.__init__).parameters
    settings = [key for key in parameters if key not in ("self", "name", "opts")]
    assert settings == [_snake(key) for key in SCHEMA["provider"]["inputProperties"]]
    for key, setting in SCHEMA["provider"]["inputProperties"].items():
        python_type = {"string": "str", "boolean": "bool"}[setting["type"]]
        assert parameters[_snake(key)].annotation == f"pulumi.Input[{python_type}] | None"
    protection = [e["value"] for e in TYPES["ami-lifecycle:index:DeregistrationProtection"]["enum"]]
    assert sorted(p.value for p in sdk.DeregistrationProtection) == sorted(protection)
