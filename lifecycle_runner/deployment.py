"""The engine: what ``pulumi preview/up/refresh/destroy`` do with registrations and the state.

Why this exists: this is the part of the CLI that decides, for each resource, which provider
calls to make and in which order, and keeps the state in step:

* registration (preview and up): a dynamic resource is checked (``Check(olds, news)``), shown
  to the policy pack (``Analyze``), then created, or diffed against its state entry and left
  alone, updated, or replaced (create-before-delete unless the diff or the resource option
  asks for delete-before-replace; the replaced resource is deleted at the end, like every
  resource the program no longer registers, in reverse dependency order). A preview makes the
  same Check/Diff/Analyze calls but nothing else, and answers the program with the inputs as
  outputs and an unknown id, as the CLI does for a provider without preview support.
* resources of other providers are not ours to create: they are recorded as *simulated*, with
  a fake id and their inputs as outputs, and every line about them says so.
* ``destroy`` deletes everything in reverse dependency order; ``refresh`` reads every dynamic
  resource and drops the ones whose Read returns an empty id.
* a failing step stops the deployment: later registrations are refused, nothing is deleted,
  and the state keeps the failed resource as it was (a failed Delete leaves it in place).
* every Create, Update and Delete is recorded in the state as pending before the provider is
  called, and the record goes once the provider has answered. A command killed in between
  leaves the record; the next ``up`` or ``destroy`` finishes the operation first
  (:meth:`Deployment.finish_interrupted`), ``preview`` and ``refresh`` report it.

Steps run one at a time (the CLI runs independent ones in parallel), so output stays readable.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from .analyzer_client import AnalyzedResource, PolicyDiagnostic, PolicyPackError, PolicyPackProcess
from .display import Display, Subject
from .monitor import Registration
from .plugin_process import PluginStartError
from .properties import PropertyMap, changed_keys
from .provider_client import DiffResult, ProviderError, ResourceCall
from .provider_host import ProviderHost
from .state import PendingOperation, ResourceState, StackState, dependency_order

STACK_TYPE = "pulumi:pulumi:Stack"
DYNAMIC_PREFIX = "pulumi-python:dynamic"


@dataclass
class StepRecord:
    """One resource operation: planned (preview), done, failed or refused."""

    op: str
    urn: str
    type: str
    name: str
    kind: str
    status: str
    seconds: float = 0.0
    detail: str = ""


class StepError(Exception):
    """A resource operation failed; it has been reported already."""


@dataclass
class _Timer:
    started: float = field(default_factory=time.monotonic)

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started


def resource_kind(registration: Registration) -> str:
    if registration.type == STACK_TYPE:
        return "stack"
    if not registration.custom:
        return "component"
    if registration.type.startswith(DYNAMIC_PREFIX):
        return "dynamic"
    return "simulated"


def fake_id(urn: str) -> str:
    return "sim-" + hashlib.sha256(urn.encode()).hexdigest()[:12]


def _subject(resource: ResourceState) -> Subject:
    return Subject(resource.type, resource.name, resource.kind == "simulated")


def _with_ignored_changes(
    news: PropertyMap, old: ResourceState | None, ignore_changes: list[str]
) -> PropertyMap:
    """The engine keeps the old input for each ignored (top-level) property of an update."""
    if old is None:
        return news
    result = dict(news)
    for key in ignore_changes:
        if key in old.inputs:
            result[key] = old.inputs[key]
        else:
            result.pop(key, None)
    return result


class Deployment:
    """One pass of the engine over the state: a preview, an update, a refresh or a destroy."""

    def __init__(
        self,
        *,
        command: str,
        state: StackState,
        dry_run: bool,
        host: ProviderHost,
        policy: PolicyPackProcess | None,
        display: Display,
        save: Callable[[], None],
    ) -> None:
        self.command = command
        self.state = state
        self.dry_run = dry_run
        self._host = host
        self._policy = policy
        self._display = display
        self._save = save
        self._lock = threading.Lock()
        self._registered: set[str] = set()
        self._planned: dict[str, ResourceState] = {}
        self.steps: list[StepRecord] = []
        self.diagnostics: list[PolicyDiagnostic] = []
        self.errors: list[str] = []
        self.failed = False
        self.stack_outputs: PropertyMap = {}

    # -- bookkeeping -------------------------------------------------------------------------

    def _record(
        self, op: str, resource: ResourceState, status: str, seconds: float = 0.0, detail: str = ""
    ) -> None:
        self.steps.append(
            StepRecord(
                op,
                resource.urn,
                resource.type,
                resource.name,
                resource.kind,
                status,
                seconds,
                detail,
            )
        )

    def _done(self, op: str, resource: ResourceState, timer: _Timer, note: str = "") -> None:
        self._host.settle()
        if self.dry_run:
            self._display.plan(op, _subject(resource), note)
            self._record(op, resource, "planned", detail=note)
        else:
            self._display.finished(op, _subject(resource), timer.seconds, note)
            self._record(op, resource, "done", timer.seconds, note)

    def _fail(
        self, op: str, resource: ResourceState, timer: _Timer, message: str, details: str = ""
    ) -> StepError:
        self._host.settle()
        self._display.failed(op, _subject(resource), timer.seconds, message, details)
        self._record(op, resource, "failed", timer.seconds, message)
        self.errors.append(f"{op} {resource.name}: {message}")
        self.failed = True
        return StepError(f"{op} {resource.urn} failed: {message}")

    def _keep(self, resource: ResourceState) -> None:
        """Record the resource's new state (the plan, in a preview)."""
        if self.dry_run:
            self._planned[resource.urn] = resource
        else:
            self.state.put(resource)
            self._save()

    # -- pending operations ------------------------------------------------------------------

    @contextmanager
    def _pending(self, operation: str, resource: ResourceState) -> Iterator[None]:
        """Record ``operation`` on ``resource`` in the saved state while the provider works.

        Should the runner die before the answer, the record tells the next command what may
        exist, and a create's record keeps the checked inputs, which let the provider recognise
        what the first attempt made. Once the provider has answered, with a result or an error,
        the record is dropped (the caller's next save writes the result); a call whose outcome
        is unknown (the host died, the call was cut off) keeps it.
        """
        record = PendingOperation(operation, resource, self.command)
        self.state.pending.append(record)
        self._save()
        try:
            yield
        except ProviderError as error:
            if error.answered:
                self._forget(record)
                self._save()
            raise
        else:
            self._forget(record)

    def _forget(self, record: PendingOperation) -> None:
        self.state.pending = [p for p in self.state.pending if p is not record]

    def finish_interrupted(self) -> None:
        """Finish what an interrupted command left pending, before this command does anything.

        * create: run again with the inputs it was recorded with. A provider whose creates are
          safe to retry finds what the interrupted attempt made (the ami-lifecycle providers
          look for their creation token, which those inputs carry) and adopts it instead of
          making another. The result enters the state as the create's would have.
        * delete: run again (a delete counts what is already gone as deleted), and the resource
          leaves the state.
        * update: the state still has the resource as it was before; the program's
          registration compares it again and applies what is still needed. Only reported.

        Raises :class:`StepError` (already reported) if a replayed operation fails.
        """
        for record in list(self.state.pending):
            self._display.warning(interrupted_message(record, finishing=True))
            if record.operation == "create":
                self._finish_create(record)
            elif record.operation == "delete":
                self._finish_delete(record)
            else:
                self._forget(record)
                self._save()

    def _replay_failed(
        self, record: PendingOperation, timer: _Timer, error: ProviderError | PluginStartError
    ) -> StepError:
        if isinstance(error, ProviderError) and error.answered:
            self._forget(record)  # the provider's answer is the outcome: nothing is pending
            self._save()
        return self._fail(record.operation, record.resource, timer, *_explain(error))

    def _finish_create(self, record: PendingOperation) -> None:
        resource = record.resource
        timer = _Timer()
        self._display.started("create", _subject(resource))
        try:
            resource.id, resource.outputs = self._host.client.create(
                ResourceCall(resource.urn, resource.type, resource.name), resource.inputs
            )
        except (ProviderError, PluginStartError) as error:
            raise self._replay_failed(record, timer, error) from None
        self._forget(record)
        replaced = self.state.current(resource.urn)
        if replaced is not None:
            # A create-before-delete replacement was interrupted: the old one goes at the end.
            replaced.delete = True
        self.state.resources.append(resource)
        self._save()
        self._done("create", resource, timer, f"id {resource.id}; the interrupted create")

    def _finish_delete(self, record: PendingOperation) -> None:
        resource = record.resource
        timer = _Timer()
        self._display.started("delete", _subject(resource))
        try:
            self._host.client.delete(
                ResourceCall(resource.urn, resource.type, resource.name),
                resource.id,
                resource.outputs,
                resource.inputs,
            )
        except (ProviderError, PluginStartError) as error:
            raise self._replay_failed(record, timer, error) from None
        self._forget(record)
        self.state.resources = [
            r for r in self.state.resources if (r.urn, r.id) != (resource.urn, resource.id)
        ]
        self._save()
        self._done("delete", resource, timer, f"id {resource.id}; the interrupted delete")

    # -- policy ------------------------------------------------------------------------------

    def _report(self, diagnostics: Iterable[PolicyDiagnostic], where: Callable[[str], str]) -> int:
        blocking = 0
        for diagnostic in diagnostics:
            self.diagnostics.append(diagnostic)
            self._display.policy(
                diagnostic.level,
                f"{diagnostic.pack}/{diagnostic.policy}",
                where(diagnostic.urn),
                diagnostic.message,
            )
            blocking += diagnostic.blocking
        return blocking

    def _analyze(self, resource: ResourceState, registration: Registration, timer: _Timer) -> None:
        if self._policy is None:
            return
        try:
            diagnostics = self._policy.analyze(
                AnalyzedResource(
                    urn=resource.urn,
                    type=resource.type,
                    name=resource.name,
                    properties=resource.inputs,
                    parent=resource.parent,
                    dependencies=resource.dependencies,
                    property_dependencies=resource.property_dependencies,
                    protect=resource.protect,
                    delete_before_replace=registration.delete_before_replace,
                    ignore_changes=registration.ignore_changes,
                )
            )
        except PolicyPackError as error:
            raise self._fail("analyze", resource, timer, str(error)) from None
        blocking = self._report(diagnostics, lambda _urn: resource.name)
        if blocking and not self.dry_run:
            raise self._fail(
                "analyze",
                resource,
                timer,
                f"{blocking} mandatory policy violation(s): not created or updated",
            )

    def analyze_stack(self) -> int:
        """``AnalyzeStack`` over the resulting stack; the number of blocking violations."""
        if self._policy is None:
            return 0
        resources = (
            list(self._planned.values())
            if self.dry_run
            else [r for r in self.state.resources if not r.delete]
        )
        names = {r.urn: r.name for r in resources}
        try:
            diagnostics = self._policy.analyze_stack(
                AnalyzedResource(
                    urn=r.urn,
                    type=r.type,
                    name=r.name,
                    properties=r.outputs,
                    parent=r.parent,
                    dependencies=r.dependencies,
                    property_dependencies=r.property_dependencies,
                    protect=r.protect,
                )
                for r in resources
            )
        except PolicyPackError as error:
            self._display.error(str(error))
            self.errors.append(str(error))
            return 1
        return self._report(diagnostics, lambda urn: names.get(urn, "the stack"))

    @property
    def blocking_violations(self) -> int:
        return sum(d.blocking for d in self.diagnostics)

    # -- registration (RegistrationHandler) --------------------------------------------------

    def register(self, registration: Registration) -> tuple[str, PropertyMap]:
        with self._lock:
            if self.failed:
                raise StepError(f"{registration.urn} not attempted: an earlier step failed")
            self._registered.add(registration.urn)
            old = self.state.current(registration.urn)
            resource = ResourceState(
                urn=registration.urn,
                type=registration.type,
                name=registration.name,
                kind=resource_kind(registration),
                parent=registration.parent,
                dependencies=registration.dependencies,
                property_dependencies=registration.property_dependencies,
                protect=registration.protect,
                inputs=registration.inputs,
            )
            if resource.kind == "dynamic":
                return self._register_dynamic(registration, resource, old)
            return self._register_passive(registration, resource, old)

    def register_outputs(self, urn: str, outputs: PropertyMap) -> None:
        with self._lock:
            target = self._planned.get(urn) if self.dry_run else self.state.current(urn)
            if target is None:
                return
            target.outputs = outputs
            if target.kind == "stack":
                self.stack_outputs = outputs
                if not self.dry_run:
                    self.state.outputs = outputs
            if not self.dry_run:
                self._save()

    def _register_passive(
        self, registration: Registration, resource: ResourceState, old: ResourceState | None
    ) -> tuple[str, PropertyMap]:
        """The stack, components and simulated resources: no provider is called."""
        timer = _Timer()
        resource.outputs = old.outputs if old is not None else {}
        if resource.kind == "stack":
            self._keep(resource)
            return "", {}
        self._analyze(resource, registration, timer)
        if old is None:
            op = "create"
        elif resource.kind == "simulated" and old.inputs != resource.inputs:
            op = "update"
        else:
            op = "same"
        note = ""
        if resource.kind == "simulated":
            resource.id = old.id if old is not None else fake_id(resource.urn)
            resource.outputs = resource.inputs
            note = f"fake id {resource.id}"
        self._keep(resource)
        self._done(op, resource, timer, note)
        return resource.id, resource.outputs

    def _register_dynamic(
        self, registration: Registration, resource: ResourceState, old: ResourceState | None
    ) -> tuple[str, PropertyMap]:
        timer = _Timer()
        who = ResourceCall(resource.urn, resource.type, resource.name)
        op = "create" if old is None else "update"
        try:
            client = self._host.client
            news = _with_ignored_changes(registration.inputs, old, registration.ignore_changes)
            checked = client.check(who, old.inputs if old is not None else {}, news)
        except (ProviderError, PluginStartError) as error:
            raise self._fail(op, resource, timer, *_explain(error)) from None
        if checked.failures:
            reasons = "; ".join(
                f"{prop or 'inputs'}: {reason}" for prop, reason in checked.failures
            )
            raise self._fail(op, resource, timer, f"invalid inputs: {reasons}")
        resource.inputs = checked.inputs
        self._analyze(resource, registration, timer)

        delete_first = False
        note = ""
        if old is not None:
            try:
                diff = client.diff(
                    who,
                    resource_id=old.id,
                    old_outputs=old.outputs,
                    old_inputs=old.inputs,
                    news=resource.inputs,
                    ignore_changes=registration.ignore_changes,
                )
            except ProviderError as error:
                raise self._fail(op, resource, timer, *_explain(error)) from None
            op, delete_first = _decide(diff, old, resource, registration.delete_before_replace)
            changed = changed_keys(old.inputs, resource.inputs)
            if op != "same" and changed:
                note = "changed: " + ", ".join(changed)
            if op == "replace":
                note = f"{note}; replacing because of: {', '.join(diff.replaces)}".lstrip("; ")
                if delete_first:
                    note += "; delete before replace"

        if self.dry_run:
            if old is not None and op in ("same", "update"):
                resource.id = old.id
                resource.outputs = old.outputs if op == "same" else resource.inputs
            else:
                resource.id, resource.outputs = "", resource.inputs
            self._keep(resource)
            self._done(op, resource, timer, note)
            return resource.id, resource.outputs

        if op == "same":
            assert old is not None
            resource.id, resource.outputs = old.id, old.outputs
            self._keep(resource)
            self._done(op, resource, timer, note)
            return resource.id, resource.outputs

        self._display.started(op, _subject(resource))
        try:
            if op == "create":
                with self._pending("create", resource):
                    resource.id, resource.outputs = client.create(who, resource.inputs)
            elif op == "update":
                assert old is not None
                resource.id = old.id
                with self._pending("update", resource):
                    resource.outputs = client.update(
                        who,
                        resource_id=old.id,
                        old_outputs=old.outputs,
                        old_inputs=old.inputs,
                        news=resource.inputs,
                        ignore_changes=registration.ignore_changes,
                    )
            else:
                assert old is not None
                self._replace(who, old, resource, delete_first, timer)
        except ProviderError as error:
            raise self._fail(op, resource, timer, *_explain(error)) from None
        if op != "replace":
            self._keep(resource)
        self._done(op, resource, timer, f"id {resource.id}" + (f"; {note}" if note else ""))
        return resource.id, resource.outputs

    def _replace(
        self,
        who: ResourceCall,
        old: ResourceState,
        new: ResourceState,
        delete_first: bool,
        timer: _Timer,
    ) -> None:
        if old.protect:
            raise self._fail(
                "replace",
                new,
                timer,
                "the resource is protected (protect=True) and cannot be "
                "replaced; unprotect it first",
            )
        client = self._host.client
        if delete_first:
            with self._pending("delete", old):
                client.delete(who, old.id, old.outputs, old.inputs)
            self.state.remove(old)
            self._save()
            with self._pending("create", new):
                new.id, new.outputs = client.create(who, new.inputs)
            self.state.put(new)
        else:
            with self._pending("create", new):
                new.id, new.outputs = client.create(who, new.inputs)
            old.delete = True  # deleted with the other leftovers once the program is done
            self.state.resources.append(new)
        self._save()

    # -- deletion, refresh -------------------------------------------------------------------

    def delete_leftovers(self) -> None:
        """Delete (or, in a preview, plan to delete) what the program no longer registers."""
        leftovers = [r for r in self.state.resources if r.delete or r.urn not in self._registered]
        self._delete_all(leftovers)

    def destroy(self) -> None:
        self._delete_all(list(self.state.resources))
        if not self.failed:
            self.state.outputs = {}
            self._save()

    def _delete_all(self, doomed: list[ResourceState]) -> None:
        chosen = {id(r) for r in doomed}
        for resource in reversed(dependency_order(self.state.resources)):
            if id(resource) not in chosen:
                continue
            if resource.kind == "stack":
                if not self.dry_run:
                    self.state.remove(resource)
                    self._save()
                continue
            self._delete(resource)

    def _delete(self, resource: ResourceState) -> None:
        timer = _Timer()
        if resource.protect:
            raise self._fail(
                "delete",
                resource,
                timer,
                "the resource is protected (protect=True); unprotect it with an update first",
            )
        if self.dry_run:
            self._done("delete", resource, timer)
            return
        if resource.kind == "dynamic":
            self._display.started("delete", _subject(resource))
            try:
                client = self._host.client
                with self._pending("delete", resource):
                    client.delete(
                        ResourceCall(resource.urn, resource.type, resource.name),
                        resource.id,
                        resource.outputs,
                        resource.inputs,
                    )
            except (ProviderError, PluginStartError) as error:
                raise self._fail("delete", resource, timer, *_explain(error)) from None
        self.state.remove(resource)
        self._save()
        self._done("delete", resource, timer, f"id {resource.id}" if resource.id else "")

    def refresh(self) -> None:
        for resource in dependency_order(self.state.resources):
            if resource.kind in ("stack", "component"):
                continue
            timer = _Timer()
            if resource.kind == "simulated":
                self._done("same", resource, timer, "not read: no provider call")
                continue
            who = ResourceCall(resource.urn, resource.type, resource.name)
            try:
                result = self._host.client.read(who, resource.id, resource.outputs, resource.inputs)
            except (ProviderError, PluginStartError) as error:
                raise self._fail("refresh", resource, timer, *_explain(error)) from None
            if not result.id:
                self.state.remove(resource)
                self._save()
                self._done(
                    "gone",
                    resource,
                    timer,
                    f"Read found no {resource.id}: it no longer exists, removed from the state",
                )
                continue
            changed = changed_keys(resource.outputs, result.outputs)
            resource.id, resource.outputs = result.id, result.outputs
            if result.inputs is not None:
                resource.inputs = result.inputs
            self._save()
            if changed:
                self._done("refresh", resource, timer, "changed: " + ", ".join(changed))
            else:
                self._done("same", resource, timer)


_DOING = {"create": "creating", "update": "updating", "delete": "deleting"}


def interrupted_message(record: PendingOperation, *, finishing: bool, earlier: bool = True) -> str:
    """What an operation left pending means, and what is (or will be) done about it.

    ``earlier``: an earlier command left it (else the command that is ending); ``finishing``:
    the command that is starting finishes it now.
    """
    resource = record.resource
    what = f"{resource.name} ({resource.type}" + (f", id {resource.id})" if resource.id else ")")
    doing = _DOING[record.operation]
    if earlier:
        said = f"an earlier `{record.command}` was interrupted (at {record.started}) while {doing}"
    else:
        said = f"this `{record.command}` stopped without an answer while {doing}"
    said += f" {what}"
    who = "this command" if finishing else "the next `up` or `destroy`"
    if record.operation == "create":
        return (
            f"{said}, so what that create made may exist: {who} runs the create again with the "
            "inputs it had, so that a provider whose creates are safe to retry adopts what the "
            "interrupted one made (the ami-lifecycle providers find it by its creation token). "
            f"With another provider, look for a second {resource.type} and delete it by hand"
        )
    if record.operation == "delete":
        return (
            f"{said}, so it may be gone or half deleted: {who} deletes it again (a delete "
            "counts what is already gone as deleted)"
        )
    return (
        f"{said}, so the update may be half applied. The state keeps the resource as it was "
        "before the update: an `up` applies it again (`refresh` reads what it is now)"
    )


def _decide(
    diff: DiffResult, old: ResourceState, new: ResourceState, delete_before_replace: bool | None
) -> tuple[str, bool]:
    """The engine's reading of a DiffResponse: (operation, delete before replace)."""
    if diff.changes == "none":
        return "same", False
    if diff.changes == "unknown" and not changed_keys(old.inputs, new.inputs):
        # The provider doesn't know: the engine compares old and new inputs itself.
        return "same", False
    if diff.replaces:
        return "replace", diff.delete_before_replace or delete_before_replace is True
    return "update", False


def _explain(error: ProviderError | PluginStartError) -> tuple[str, str]:
    if isinstance(error, ProviderError):
        return error.message, error.details
    return str(error), ""
