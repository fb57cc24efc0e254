"""The stack's checkpoint: every resource the runner believes exists, in ``<work-dir>/state.json``.

Why this exists: ``up`` and ``destroy`` run as separate invocations, so, like the CLI's
checkpoint, the state must say for each resource its URN, type, name, parent, dependencies,
provider id, inputs and outputs (in the wire form of :mod:`lifecycle_runner.properties`). A
resource being replaced create-before-delete briefly has two entries with the same URN; the old
one carries ``delete: true`` until it is gone, as in a Pulumi checkpoint.

The file is rewritten after every step, atomically and readable by its owner only
(:mod:`lifecycle_runner.private_file`), so a killed run leaves a state that matches what was
done. What a killed run may have done without knowing the outcome is recorded too: before the
runner asks a provider to create, update or delete, it writes the operation to
``pendingOperations`` and removes it once the provider has answered, as the CLI's checkpoint
does; the next command reports what it finds there and finishes it
(:meth:`lifecycle_runner.deployment.Deployment.finish_interrupted`). Secrets, and every
``--config`` value, are stored as ciphertext (:mod:`lifecycle_runner.state_secrets`).

Format (``version`` 2; a version 1 file, with plain secrets and no pending operations, is read
and rewritten as version 2)::

    {"version": 2, "project": "...", "stack": "...",
     "configOverrides": {"ns:key": <secret>},     # --config values, kept like `pulumi config set`
     "outputs": {...},                            # the stack's exports
     "resources": [{"urn", "type", "name", "kind", "id", "parent", "dependencies",
                    "propertyDependencies", "protect", "inputs", "outputs", "delete"}],
     "pendingOperations": [{"operation": "create" | "update" | "delete", "command", "started",
                            "resource": {...as in resources: the resource as the operation
                                         would leave it (create, update), or as it was
                                         (delete)}}]}

``kind`` is ``dynamic`` (driven through the dynamic provider host), ``simulated`` (another
provider's type: recorded with a fake id, never really created), ``component`` or ``stack``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .private_file import write_private
from .properties import PropertyMap
from .secret_values import is_secret, make_secret
from .state_secrets import KEY_NAME, SecretsError, for_state

VERSION = 2
_READABLE_VERSIONS = (1, 2)
KINDS = ("dynamic", "simulated", "component", "stack")
OPERATIONS = ("create", "update", "delete")


class StateError(Exception):
    """The state file can't be used: damaged, of another stack, or its secrets unreadable. The
    message names the file and says what to do."""


class _ShapeError(Exception):
    """A field of the state file is missing or of the wrong type (the message says which)."""


def _field(data: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in data:
        raise _ShapeError(f"{where} has no {key!r}")
    value = data[key]
    if not isinstance(value, kind):
        raise _ShapeError(f"{where}.{key} is {type(value).__name__}, not {_kind_name(kind)}")
    return value


def _optional(
    data: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str, default: Any
) -> Any:
    return _field(data, key, kind, where) if key in data else default


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _kind(kind: str, where: str) -> str:
    if kind not in KINDS:
        raise _ShapeError(f"{where}.kind is {kind!r}, not one of {KINDS}")
    return kind


def _strings(values: list[Any], where: str) -> list[str]:
    if not all(isinstance(value, str) for value in values):
        raise _ShapeError(f"{where} must hold strings only")
    return list(values)


@dataclass
class ResourceState:
    urn: str
    type: str
    name: str
    kind: str
    id: str = ""
    parent: str = ""
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    protect: bool = False
    inputs: PropertyMap = field(default_factory=dict)
    outputs: PropertyMap = field(default_factory=dict)
    delete: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "kind": self.kind,
            "id": self.id,
            "parent": self.parent,
            "dependencies": self.dependencies,
            "propertyDependencies": self.property_dependencies,
            "protect": self.protect,
            "inputs": self.inputs,
            "outputs": self.outputs,
            "delete": self.delete,
        }

    @classmethod
    def from_json(cls, data: Any, where: str = "resource") -> ResourceState:
        if not isinstance(data, dict):
            raise _ShapeError(f"{where} is {type(data).__name__}, not an object")
        dependencies = _optional(data, "propertyDependencies", dict, where, {})
        where_dependencies = f"{where}.propertyDependencies"
        return cls(
            urn=_field(data, "urn", str, where),
            type=_field(data, "type", str, where),
            name=_field(data, "name", str, where),
            kind=_kind(_field(data, "kind", str, where), where),
            id=_optional(data, "id", str, where, ""),
            parent=_optional(data, "parent", str, where, ""),
            dependencies=_strings(
                _optional(data, "dependencies", list, where, []), f"{where}.dependencies"
            ),
            property_dependencies={
                key: _strings(
                    _field(dependencies, key, list, where_dependencies),
                    f"{where_dependencies}.{key}",
                )
                for key in dependencies
            },
            protect=_optional(data, "protect", bool, where, False),
            inputs=dict(_optional(data, "inputs", dict, where, {})),
            outputs=dict(_optional(data, "outputs", dict, where, {})),
            delete=_optional(data, "delete", bool, where, False),
        )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class PendingOperation:
    """A provider call that was made but whose answer is not in the state yet.

    ``resource`` is what the operation would leave (the checked inputs of a create, with which
    a replay lets the provider recognise what the first attempt made; the new inputs of an
    update) or, for a delete, the resource as it was.
    """

    operation: str
    resource: ResourceState
    command: str
    started: str = field(default_factory=_now)

    def to_json(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "command": self.command,
            "started": self.started,
            "resource": self.resource.to_json(),
        }

    @classmethod
    def from_json(cls, data: Any, where: str) -> PendingOperation:
        if not isinstance(data, dict):
            raise _ShapeError(f"{where} is {type(data).__name__}, not an object")
        operation = _field(data, "operation", str, where)
        if operation not in OPERATIONS:
            raise _ShapeError(f"{where}.operation is {operation!r}, not one of {OPERATIONS}")
        return cls(
            operation=operation,
            resource=ResourceState.from_json(data.get("resource"), f"{where}.resource"),
            command=_field(data, "command", str, where),
            started=_field(data, "started", str, where),
        )


@dataclass
class StackState:
    project: str
    stack: str
    config_overrides: dict[str, str] = field(default_factory=dict)
    outputs: PropertyMap = field(default_factory=dict)
    resources: list[ResourceState] = field(default_factory=list)
    pending: list[PendingOperation] = field(default_factory=list)

    def current(self, urn: str) -> ResourceState | None:
        """The live (not pending-delete) entry for ``urn``."""
        for resource in self.resources:
            if resource.urn == urn and not resource.delete:
                return resource
        return None

    def put(self, resource: ResourceState) -> None:
        """Replace the live entry with the same URN, or append."""
        for index, existing in enumerate(self.resources):
            if existing.urn == resource.urn and not existing.delete:
                self.resources[index] = resource
                return
        self.resources.append(resource)

    def remove(self, resource: ResourceState) -> None:
        self.resources = [r for r in self.resources if r is not resource]

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "project": self.project,
            "stack": self.stack,
            # The runner can't tell a secret --config value from a plain one: all are secrets.
            "configOverrides": {k: make_secret(v) for k, v in self.config_overrides.items()},
            "outputs": self.outputs,
            "resources": [resource.to_json() for resource in self.resources],
            "pendingOperations": [operation.to_json() for operation in self.pending],
        }


def _damaged(path: Path, reason: str) -> StateError:
    return StateError(
        f"{path} is damaged ({reason}). Restore it from a backup if you have one. Otherwise "
        f"delete it to start the stack over: the runner then forgets every resource the stack "
        "has, and whatever of them exists stays where it was created (the local emulator or "
        "AWS) until you delete it by hand"
    )


def load_state(path: Path, project: str, stack: str) -> StackState:
    if not path.exists():
        return StackState(project=project, stack=stack)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise StateError(f"cannot read {path}: {error}") from error
    try:
        data = json.loads(text)
    except ValueError as error:
        raise _damaged(path, f"not valid JSON, truncated perhaps: {error}") from None
    if not isinstance(data, dict):
        raise _damaged(path, f"it holds {type(data).__name__}, not an object")
    if data.get("version") not in _READABLE_VERSIONS:
        raise StateError(
            f"{path} has state version {data.get('version')!r}; this runner reads versions "
            f"{', '.join(map(str, _READABLE_VERSIONS))}: use the runner that wrote it"
        )
    if (data.get("project"), data.get("stack")) != (project, stack):
        raise StateError(
            f"{path} holds the state of {data.get('project')}/{data.get('stack')}, not "
            f"{project}/{stack}: pick another --work-dir"
        )
    try:
        data = for_state(path).decrypt_document(data)
    except SecretsError as error:
        raise StateError(
            f"the secrets in {path} can't be read: {error}. Restore {path.parent / KEY_NAME} "
            f"from where you keep this state's backups. Without it the state is of no use: "
            f"delete {path} to start the stack over, and delete what the stack created by hand"
        ) from None
    try:
        return _stack_state(data, project, stack)
    except _ShapeError as error:
        raise _damaged(path, str(error)) from None


def _stack_state(data: dict[str, Any], project: str, stack: str) -> StackState:
    overrides: dict[str, str] = {}
    for key, value in _optional(data, "configOverrides", dict, "state", {}).items():
        plain = value["value"] if is_secret(value) else value
        if not isinstance(plain, str):
            raise _ShapeError(f"configOverrides.{key} is not a string")
        overrides[key] = plain
    resources = _optional(data, "resources", list, "state", [])
    pending = _optional(data, "pendingOperations", list, "state", [])
    return StackState(
        project=project,
        stack=stack,
        config_overrides=overrides,
        outputs=dict(_optional(data, "outputs", dict, "state", {})),
        resources=[
            ResourceState.from_json(item, f"resources[{index}]")
            for index, item in enumerate(resources)
        ],
        pending=[
            PendingOperation.from_json(item, f"pendingOperations[{index}]")
            for index, item in enumerate(pending)
        ],
    )


def save_state(path: Path, state: StackState) -> None:
    # Saved after every step, so it must stay cheap as stacks grow: compact JSON takes the C
    # encoder (an indented dump is ~7x slower and made large stacks' `up` quadratic in practice),
    # and only the resources that changed since the last save are searched for secrets.
    text = for_state(path).dumps(state.to_json(), per_item="resources")
    write_private(path, text + "\n")


def dependency_order(resources: list[ResourceState]) -> list[ResourceState]:
    """``resources`` with every parent and dependency before its dependents (stable).

    Delete in the reverse of this order. Entries sharing a URN (a replacement's old and new)
    are ordered together; references to URNs outside the list are ignored.
    """
    by_urn: dict[str, list[int]] = {}
    for index, resource in enumerate(resources):
        by_urn.setdefault(resource.urn, []).append(index)
    ordered: list[ResourceState] = []
    state = [0] * len(resources)  # 0 = new, 1 = visiting, 2 = done

    def visit(index: int) -> None:
        if state[index]:
            return
        state[index] = 1
        resource = resources[index]
        for urn in [resource.parent, *resource.dependencies]:
            for other in by_urn.get(urn, []):
                if other != index and state[other] == 0:
                    visit(other)
        state[index] = 2
        ordered.append(resource)

    for index in range(len(resources)):
        visit(index)
    return ordered
