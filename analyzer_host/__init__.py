"""Plays the Pulumi engine's side of the analyzer protocol, to test and drive policy packs offline.

No Pulumi CLI needed. Start the real pack in its own process, the way the CLI does::

    from analyzer_host import UNKNOWN, PolicyPackProcess, Resource

    with PolicyPackProcess() as client:          # python -u -m pulumi.policy <engine> .
        client.prepare({"ami-deregistration-protection": {"requireCooldown": True}})
        image = Resource(type="ami-lifecycle:index:MachineImage", name="web",
                         properties={"deregistrationProtection": UNKNOWN})
        for diagnostic in client.analyze(image):
            print(diagnostic.enforcement_level, diagnostic.policy_name, diagnostic.detail)
        client.analyze_stack([image])

or, faster, run its servicer in this process with `in_process_client(**PACK_OPTIONS)`.
Properties are marshalled as the engine marshals them (`wire`): floats, unknown sentinels,
wrapped secrets, `__` keys dropped.
"""

from .client import AnalyzerClient, AnalyzerTransport, Diagnostic, UnimplementedError
from .config import PolicyPackConfigError, load_config_file, policy_schemas, reconcile_config
from .engine import EngineLog, FakeEngine
from .in_process import InProcessTransport, in_process_client
from .process import PACK_DIR, GrpcTransport, PolicyPackProcess, PolicyPackStartError
from .resources import STACK_TYPE, Resource, stack_urn
from .wire import UNKNOWN, Secret, UnknownValue, marshal_properties, marshal_value

__all__ = [
    "PACK_DIR",
    "STACK_TYPE",
    "UNKNOWN",
    "AnalyzerClient",
    "AnalyzerTransport",
    "Diagnostic",
    "EngineLog",
    "FakeEngine",
    "GrpcTransport",
    "InProcessTransport",
    "PolicyPackConfigError",
    "PolicyPackProcess",
    "PolicyPackStartError",
    "Resource",
    "Secret",
    "UnimplementedError",
    "UnknownValue",
    "in_process_client",
    "load_config_file",
    "marshal_properties",
    "marshal_value",
    "policy_schemas",
    "reconcile_config",
    "stack_urn",
]
