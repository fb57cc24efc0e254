"""The harness marshals and configures exactly as the engine does, and the pack in its own
process answers exactly as its servicer does in this one."""

from __future__ import annotations

from pathlib import Path

import pytest
from google.protobuf import json_format

from analyzer_host import (
    UNKNOWN,
    AnalyzerClient,
    PolicyPackConfigError,
    PolicyPackProcess,
    PolicyPackStartError,
    Resource,
    Secret,
    UnknownValue,
    in_process_client,
    marshal_properties,
    reconcile_config,
    stack_urn,
)
from policies.ami_guard import PACK_OPTIONS
from tests.policies.policy_cases import (
    ALLOWED_TARGETS,
    COPY_ENCRYPTED,
    DEPRECATION,
    NO_PUBLIC,
    PROTECTION,
    PROTECTION_APPLIED,
    RATE,
    SNAPSHOTS,
    VALUES_KNOWN,
    deployed_image,
    ebs_volume,
    image,
    machine_image,
    root_volume,
    standalone_image,
)

SECRET = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}


def as_python(resource: Resource) -> dict[str, object]:
    return json_format.MessageToDict(marshal_properties(resource.properties))


class TestWire:
    def test_numbers_are_doubles(self) -> None:
        struct = marshal_properties({"volumeSize": 8, "rate": 150.0})
        assert struct.fields["volumeSize"].WhichOneof("kind") == "number_value"
        assert struct.fields["volumeSize"].number_value == 8.0

    def test_unknowns_are_string_sentinels(self) -> None:
        props = {"a": UNKNOWN, "b": UnknownValue("number"), "c": [UNKNOWN]}
        assert as_python(Resource(type="t", name="n", properties=props)) == {
            "a": "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
            "b": "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
            "c": ["04da6b54-80e4-46f7-96ec-b56ff0331ba9"],
        }

    def test_secrets_are_wrapped(self) -> None:
        props = {"password": Secret("hunter2"), "nested": {"key": Secret(UNKNOWN)}}
        assert as_python(Resource(type="t", name="n", properties=props)) == {
            "password": {**SECRET, "value": "hunter2"},
            "nested": {"key": {**SECRET, "value": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}},
        }

    def test_internal_keys_are_dropped_at_any_depth(self) -> None:
        resource = image().with_properties(
            **{"__meta": "{}"}, tags={"__internal": "x", "team": "platform"}
        )
        marshalled = as_python(resource)
        assert "__meta" not in marshalled
        assert marshalled["tags"] == {"team": "platform"}

    def test_nulls_are_sent(self) -> None:
        assert as_python(Resource(type="t", name="n", properties={"a": None})) == {"a": None}


class TestUrns:
    def test_top_level_resource_is_parented_to_the_stack(self) -> None:
        resource = machine_image()
        assert resource.urn == "urn:pulumi:dev::golden-image::ami-lifecycle:index:MachineImage::web"
        assert resource.parent_urn == stack_urn("dev", "golden-image")
        assert (
            resource.parent_urn
            == "urn:pulumi:dev::golden-image::pulumi:pulumi:Stack::golden-image-dev"
        )

    def test_child_carries_its_parent_type(self) -> None:
        child = image()
        assert child.urn == (
            "urn:pulumi:dev::golden-image::ami-lifecycle:index:MachineImage"
            "$ami-lifecycle:index:Image::web-image"
        )
        assert child.analyze_request().options.parent == machine_image().urn


class TestReconcile:
    def test_every_policy_gets_its_default_level_and_schema_defaults(
        self, analyzer: AnalyzerClient
    ) -> None:
        config = reconcile_config(analyzer.analyzer_info())

        assert {name: c.enforcementLevel for name, c in config.items()} == {
            PROTECTION: 1,
            "ami-deregistration-protection-applied": 1,
            RATE: 1,
            SNAPSHOTS: 0,
            NO_PUBLIC: 1,
            ALLOWED_TARGETS: 1,
            DEPRECATION: 0,
            COPY_ENCRYPTED: 0,
            VALUES_KNOWN: 0,
        }
        assert dict(config[PROTECTION].properties) == {
            "requireCooldown": False,
            "exemptResources": [],
        }

    def test_all_then_specific(self, analyzer: AnalyzerClient) -> None:
        config = reconcile_config(analyzer.analyzer_info(), {"all": "disabled", RATE: "advisory"})
        assert config[PROTECTION].enforcementLevel == 2  # DISABLED
        assert config[RATE].enforcementLevel == 0  # ADVISORY

    def test_entry_must_be_a_level_or_object(self, analyzer: AnalyzerClient) -> None:
        with pytest.raises(PolicyPackConfigError, match="is not a string or an object"):
            reconcile_config(analyzer.analyzer_info(), {RATE: 3})


@pytest.mark.e2e
def test_a_pack_that_fails_to_start_says_why(tmp_path: Path) -> None:
    (tmp_path / "__main__.py").write_text("raise RuntimeError('no policies here')\n")
    process = PolicyPackProcess(tmp_path, startup_timeout=30)

    with pytest.raises(PolicyPackStartError) as raised:
        process.start()

    assert "did not start" in str(raised.value)
    assert "RuntimeError: no policies here" in str(raised.value)
    assert process.client is None


@pytest.mark.e2e
def test_the_pack_process_answers_as_its_servicer_does_here() -> None:
    # Why the policy tests can all run in this process.
    config = {PROTECTION_APPLIED: {"requireCooldown": True}, VALUES_KNOWN: "mandatory"}
    resources = [
        machine_image(deregistrationProtection=Secret("disabled")),
        image(deleteSnapshotsOnDestroy=False),
        standalone_image(blockDeviceMappings=[root_volume(volumeInitializationRate=UNKNOWN)]),
        ebs_volume(volumeInitializationRate=500),
    ]
    stack = [deployed_image("enabled-without-cooldown"), deployed_image("disabled")]
    here = in_process_client(**PACK_OPTIONS)
    here.prepare(config)
    answers = [here.analyze(resource) for resource in resources]
    stack_answer = here.analyze_stack(stack)
    # Each one is reported on, so that equal answers mean something.
    assert all(answers)
    assert len(stack_answer) == 2
    process = PolicyPackProcess()

    with process as pack:
        pack.prepare(config, engine_address=process.engine.address)
        assert pack.analyzer_info() == here.analyzer_info()
        assert [pack.analyze(resource) for resource in resources] == answers
        assert pack.analyze_stack(stack) == stack_answer

    assert process.returncode == 0
    assert process.engine.logs == []
    assert "Traceback" not in process.stderr
