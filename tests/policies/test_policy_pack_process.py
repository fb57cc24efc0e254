"""The real pack, started like the Pulumi CLI starts it, spoken to over gRPC."""

from __future__ import annotations

import grpc
import pytest
from pulumi.runtime import proto

from analyzer_host import UNKNOWN, AnalyzerClient, PolicyPackProcess, Secret
from tests.policies.policy_cases import (
    DESCRIPTIONS,
    PROTECTION,
    PROTECTION_APPLIED,
    RATE,
    SNAPSHOTS,
    VALUES_KNOWN,
    deployed_image,
    ebs_volume,
    image,
    machine_image,
    note,
    reported,
    root_volume,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def pack(pack_process: PolicyPackProcess) -> AnalyzerClient:
    """The running pack, given the engine's default config again (tests may Configure more)."""
    assert pack_process.client is not None
    pack_process.client.prepare(engine_address=pack_process.engine.address)
    return pack_process.client


def test_analyzer_info(pack: AnalyzerClient) -> None:
    info = pack.analyzer_info()
    assert info.name == "ami-lifecycle-guard"
    assert [(p.name, p.description) for p in info.policies] == list(DESCRIPTIONS.items())
    assert {p.name: p.policy_type for p in info.policies}[PROTECTION_APPLIED] == (
        proto.PolicyType.POLICY_TYPE_STACK
    )
    assert pack.plugin_info() == "1.21.0"


def test_happy_paths_pass(pack: AnalyzerClient) -> None:
    for resource in (machine_image(), image(), ebs_volume()):
        assert pack.analyze(resource) == []
    assert pack.analyze_stack([machine_image(), deployed_image()]) == []


def test_violation_message_and_level(pack: AnalyzerClient) -> None:
    [diagnostic] = pack.analyze(image(deregistrationProtection="disabled"))

    assert diagnostic.policy_name == PROTECTION
    assert diagnostic.enforcement_level == "mandatory"
    assert diagnostic.message == (
        f"{DESCRIPTIONS[PROTECTION]}\n"
        'deregistrationProtection must be "enabled" or "enabled-with-cooldown", not "disabled".'
    )
    # The pack leaves the URN empty; the client attaches the resource's, as the engine does.
    assert diagnostic.urn == image().urn


def test_unknowns_and_secrets_cross_the_wire(pack: AnalyzerClient) -> None:
    resource = machine_image(
        deregistrationProtection=Secret("disabled"),
        blockDeviceMappings=[root_volume(volumeInitializationRate=Secret(UNKNOWN))],
        deleteSnapshotsOnDestroy=Secret(False),
    )

    assert reported(pack.analyze(resource)) == [
        (
            "mandatory",
            'deregistrationProtection must be "enabled" or "enabled-with-cooldown", '
            'not "disabled".',
        ),
        (
            "advisory",
            "deleteSnapshotsOnDestroy must be true, or the image's snapshots outlive it and keep "
            "costing money.",
        ),
        note("blockDeviceMappings[0].ebs.volumeInitializationRate", RATE),
    ]


def test_configure_over_the_wire(pack: AnalyzerClient) -> None:
    pack.configure({PROTECTION_APPLIED: {"requireCooldown": True}, VALUES_KNOWN: "mandatory"})

    assert reported(pack.analyze_stack([deployed_image("enabled-without-cooldown")])) == [
        (
            "mandatory",
            'protectionState must be "enabled-with-cooldown" because requireCooldown is set, but '
            'AWS reports "enabled-without-cooldown".',
        )
    ]
    assert reported(pack.analyze(machine_image(deleteSnapshotsOnDestroy=UNKNOWN))) == [
        ("mandatory", note("deleteSnapshotsOnDestroy", SNAPSHOTS)[1])
    ]


def test_stack_violation_names_the_resource(pack: AnalyzerClient) -> None:
    deployed = deployed_image("disabled")
    [diagnostic] = pack.analyze_stack([machine_image(), deployed])
    assert (diagnostic.policy_name, diagnostic.urn) == (PROTECTION_APPLIED, deployed.urn)


def test_malformed_config_fails_the_call_with_the_fix(
    pack: AnalyzerClient, pack_process: PolicyPackProcess
) -> None:
    # Bypasses the engine's schema validation, as an older CLI could.
    transport = pack_process.transport
    assert transport is not None
    bad = proto.PolicyConfig(enforcementLevel=proto.MANDATORY)
    bad.properties.update({"requireCooldown": "yes"})
    transport("Configure", proto.ConfigureAnalyzerRequest(policyConfig={PROTECTION: bad}))

    with pytest.raises(grpc.RpcError) as raised:
        pack.analyze(machine_image())
    assert "requireCooldown must be true or false, not 'yes'" in str(raised.value)


def test_pack_logs_nothing_and_stops_cleanly() -> None:
    process = PolicyPackProcess()
    with process as pack:
        pack.prepare(engine_address=process.engine.address)
        pack.analyze(machine_image(deregistrationProtection=UNKNOWN))
    assert process.returncode == 0
    assert process.engine.logs == []
    assert "Traceback" not in process.stderr
