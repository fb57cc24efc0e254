"""The stack's checkpoint: every resource the runner believes exists, in ``<work-dir>/state.json``.

Why this exists: ``up`` and ``destroy`` run as separate invocations, so, like the CLI's
checkpoint, the state must say for each resource its URN, type, name, parent, dependencies,
provider id, inputs and outputs (in the wire form of :mod:`lifecycle_runner.properties`,
secrets kept as signature wrappers, unencrypted: this is a local dev tool). A resource being
replaced create-before-delete briefly has two entries with the same URN; the old one carries
``delete: true`` until it is gone, as in a Pulumi checkpoint. The file is rewritten atomically
after every step, so an interrupted run leaves a state that matches what was done.

Format (``version`` 1)::

    {"version": 1, "project": "...", "stack": "...",
     "configOverrides": {"ns:key": "value"},      # set with --config, kept like `pulumi config set`
     "outputs": {...},                            # the stack's exports
     "resources": [{"urn", "type", "name", "kind", "id", "parent", "dependencies",
                    "propertyDependencies", "protect", "inputs", "outputs", "delete"}]}

``kind`` is ``dynamic`` (driven through the dynamic provider host), ``simulated`` (another
provider's type: recorded with a fake id, never really created), ``component`` or ``stack``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .properties import PropertyMap

VERSION = 1


class StateError(Exception):
    pass


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
    def from_json(cls, data: dict[str, Any]) -> ResourceState:
        return cls(
            urn=data["urn"],
            type=data["type"],
            name=data["name"],
            kind=data["kind"],
            id=data.get("id", ""),
            parent=data.get("parent", ""),
            dependencies=list(data.get("dependencies", [])),
            property_dependencies=dict(data.get("propertyDependencies", {})),
            protect=bool(data.get("protect", False)),
            inputs=dict(data.get("inputs", {})),
            outputs=dict(data.get("outputs", {})),
            delete=bool(data.get("delete", False)),
        )


@dataclass
class StackState:
    project: str
    stack: str
    config_overrides: dict[str, str] = field(default_factory=dict)
    outputs: PropertyMap = field(default_factory=dict)
    resources: list[ResourceState] = field(default_factory=list)

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
            "configOverrides": self.config_overrides,
            "outputs": self.outputs,
            "resources": [resource.to_json() for resource in self.resources],
        }


def load_state(path: Path, project: str, stack: str) -> StackState:
    if not path.exists():
        return StackState(project=project, stack=stack)
    try:
        data = json.loads(path.read_text())
    except ValueError as error:
        raise StateError(f"{path} is not valid JSON: {error}") from error
    if data.get("version") != VERSION:
        raise StateError(f"{path} has state version {data.get('version')}, expected {VERSION}")
    if (data.get("project"), data.get("stack")) != (project, stack):
        raise StateError(
            f"{path} holds the state of {data.get('project')}/{data.get('stack')}, not "
            f"{project}/{stack}: pick another --work-dir"
        )
    return StackState(
        project=project,
        stack=stack,
        config_overrides=dict(data.get("configOverrides", {})),
        outputs=dict(data.get("outputs", {})),
        resources=[ResourceState.from_json(item) for item in data.get("resources", [])],
    )


def save_state(path: Path, state: StackState) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    # Saved after every step, so it must stay cheap as stacks grow: compact JSON takes the C
    # encoder (an indented dump is ~7x slower and made large stacks' `up` quadratic in practice).
    temporary.write_text(json.dumps(state.to_json(), separators=(",", ":")) + "\n")
    os.replace(temporary, path)


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
