"""Installing the extension into moto, idempotently and reversibly.

Why this exists: the extension has to change moto's behaviour for every way moto is driven
(``mock_aws`` in-process, and moto's WSGI app in a server), without forking moto. The whole
patch surface is the table below: attributes set on two moto classes, each either *replacing*
a moto method, *wrapping* it (the original is still called), or *adding* an action moto lacks.
Besides, each ``EC2Backend`` gets two attributes on first use: ``emulator_deregistered_images``
(the deregistered AMIs DescribeImages still reports for a while) and ``emulator_regional``
(:class:`ec2_emulator.regional.RegionalState`: block public access, the Recycle Bin, declared
image references, CopyImage's client tokens); each image may get ``launches`` (RunInstances) and
``deprecate_at``. Nothing else in moto is touched. ``uninstall()`` restores the classes exactly.

==========================  ==========================================  =========
moto class                  attribute                                   kind
==========================  ==========================================  =========
ec2.models.EC2Backend       register_image                              replace
ec2.models.EC2Backend       create_image                                replace
ec2.models.EC2Backend       copy_image                                  replace
ec2.models.EC2Backend       deregister_image                            replace
ec2.models.EC2Backend       describe_images                             wrap
ec2.models.EC2Backend       delete_snapshot                             wrap
ec2.models.EC2Backend       get_snapshot                                wrap
ec2.models.EC2Backend       describe_snapshots                          wrap
ec2.models.EC2Backend       create_volume                               wrap
ec2.models.EC2Backend       create_snapshot                             wrap
ec2.models.EC2Backend       copy_snapshot                               wrap
ec2.models.EC2Backend       disable_image                               replace
ec2.models.EC2Backend       enable_image                                replace
ec2.models.EC2Backend       run_instances                               wrap
ec2.models.EC2Backend       modify_image_attribute                      wrap
ec2.models.EC2Backend       get_image                                   add
ec2.models.EC2Backend       modify_image_fields                         add
ec2.models.EC2Backend       enable_image_deregistration_protection      add
ec2.models.EC2Backend       disable_image_deregistration_protection     add
ec2.models.EC2Backend       enable_image_deprecation                    add
ec2.models.EC2Backend       disable_image_deprecation                   add
ec2.models.EC2Backend       get_image_block_public_access_state         add
ec2.models.EC2Backend       enable_image_block_public_access            add
ec2.models.EC2Backend       disable_image_block_public_access           add
ec2.models.EC2Backend       describe_image_references                   add
ec2.models.EC2Backend       list_images_in_recycle_bin                  add
ec2.models.EC2Backend       list_snapshots_in_recycle_bin               add
ec2.models.EC2Backend       restore_image_from_recycle_bin              add
ec2.models.EC2Backend       restore_snapshot_from_recycle_bin           add
ec2.responses.EC2Response   call_action (log, atomicity, request IDs)   wrap
ec2.responses.EC2Response   register_image                              replace
ec2.responses.EC2Response   create_image                                replace
ec2.responses.EC2Response   copy_image                                  replace
ec2.responses.EC2Response   deregister_image                            replace
ec2.responses.EC2Response   describe_images                             replace
ec2.responses.EC2Response   describe_image_attribute                    replace
ec2.responses.EC2Response   modify_image_attribute                      replace
ec2.responses.EC2Response   enable_image_deregistration_protection      add
ec2.responses.EC2Response   disable_image_deregistration_protection     add
ec2.responses.EC2Response   enable_image_deprecation                    add
ec2.responses.EC2Response   disable_image_deprecation                   add
ec2.responses.EC2Response   get_image_block_public_access_state         add
ec2.responses.EC2Response   enable_image_block_public_access            add
ec2.responses.EC2Response   disable_image_block_public_access           add
ec2.responses.EC2Response   describe_image_references                   add
ec2.responses.EC2Response   list_images_in_recycle_bin                  add
ec2.responses.EC2Response   list_snapshots_in_recycle_bin               add
ec2.responses.EC2Response   restore_image_from_recycle_bin              add
ec2.responses.EC2Response   restore_snapshot_from_recycle_bin           add
==========================  ==========================================  =========

Images are created as :class:`ec2_emulator.images.EmulatedAmi`, a subclass of moto's ``Ami``.
"""

from __future__ import annotations

import threading
from typing import Any

from . import backend, copying, recycle_bin, references, responses, sharing

__all__ = ["PATCHES", "install", "is_installed", "uninstall"]

_MISSING = object()

#: (module path, class name, attribute, kind, replacement)
PATCHES: tuple[tuple[str, str, str, str, Any], ...] = (
    ("moto.ec2.models", "EC2Backend", "register_image", "replace", backend.register_image),
    ("moto.ec2.models", "EC2Backend", "create_image", "replace", backend.create_image),
    ("moto.ec2.models", "EC2Backend", "copy_image", "replace", copying.copy_image),
    ("moto.ec2.models", "EC2Backend", "deregister_image", "replace", backend.deregister_image),
    ("moto.ec2.models", "EC2Backend", "describe_images", "wrap", backend.describe_images),
    ("moto.ec2.models", "EC2Backend", "delete_snapshot", "wrap", backend.delete_snapshot),
    ("moto.ec2.models", "EC2Backend", "get_snapshot", "wrap", backend.get_snapshot),
    ("moto.ec2.models", "EC2Backend", "describe_snapshots", "wrap", backend.describe_snapshots),
    ("moto.ec2.models", "EC2Backend", "create_volume", "wrap", backend.create_volume),
    ("moto.ec2.models", "EC2Backend", "create_snapshot", "wrap", backend.create_snapshot),
    ("moto.ec2.models", "EC2Backend", "copy_snapshot", "wrap", backend.copy_snapshot),
    ("moto.ec2.models", "EC2Backend", "disable_image", "replace", backend.disable_image),
    ("moto.ec2.models", "EC2Backend", "enable_image", "replace", backend.enable_image),
    ("moto.ec2.models", "EC2Backend", "run_instances", "wrap", backend.run_instances),
    (
        "moto.ec2.models",
        "EC2Backend",
        "modify_image_attribute",
        "wrap",
        backend.modify_image_attribute,
    ),
    ("moto.ec2.models", "EC2Backend", "get_image", "add", backend.get_image),
    ("moto.ec2.models", "EC2Backend", "modify_image_fields", "add", backend.modify_image_fields),
    (
        "moto.ec2.models",
        "EC2Backend",
        "enable_image_deregistration_protection",
        "add",
        backend.enable_image_deregistration_protection,
    ),
    (
        "moto.ec2.models",
        "EC2Backend",
        "disable_image_deregistration_protection",
        "add",
        backend.disable_image_deregistration_protection,
    ),
    *(
        ("moto.ec2.models", "EC2Backend", function.__name__, "add", function)
        for function in (
            backend.enable_image_deprecation,
            backend.disable_image_deprecation,
            sharing.get_image_block_public_access_state,
            sharing.enable_image_block_public_access,
            sharing.disable_image_block_public_access,
            references.describe_image_references,
            recycle_bin.list_images_in_recycle_bin,
            recycle_bin.list_snapshots_in_recycle_bin,
            backend.restore_image_from_recycle_bin,
            recycle_bin.restore_snapshot_from_recycle_bin,
        )
    ),
    ("moto.ec2.responses", "EC2Response", "call_action", "wrap", responses.call_action),
    ("moto.ec2.responses", "EC2Response", "register_image", "replace", responses.register_image),
    ("moto.ec2.responses", "EC2Response", "create_image", "replace", responses.create_image),
    ("moto.ec2.responses", "EC2Response", "copy_image", "replace", responses.copy_image),
    (
        "moto.ec2.responses",
        "EC2Response",
        "deregister_image",
        "replace",
        responses.deregister_image,
    ),
    ("moto.ec2.responses", "EC2Response", "describe_images", "replace", responses.describe_images),
    (
        "moto.ec2.responses",
        "EC2Response",
        "describe_image_attribute",
        "replace",
        responses.describe_image_attribute,
    ),
    (
        "moto.ec2.responses",
        "EC2Response",
        "modify_image_attribute",
        "replace",
        responses.modify_image_attribute,
    ),
    (
        "moto.ec2.responses",
        "EC2Response",
        "enable_image_deregistration_protection",
        "add",
        responses.enable_image_deregistration_protection,
    ),
    (
        "moto.ec2.responses",
        "EC2Response",
        "disable_image_deregistration_protection",
        "add",
        responses.disable_image_deregistration_protection,
    ),
    *(
        ("moto.ec2.responses", "EC2Response", function.__name__, "add", function)
        for function in (
            responses.enable_image_deprecation,
            responses.disable_image_deprecation,
            responses.get_image_block_public_access_state,
            responses.enable_image_block_public_access,
            responses.disable_image_block_public_access,
            responses.describe_image_references,
            responses.list_images_in_recycle_bin,
            responses.list_snapshots_in_recycle_bin,
            responses.restore_image_from_recycle_bin,
            responses.restore_snapshot_from_recycle_bin,
        )
    ),
)

_lock = threading.Lock()
#: (class, attribute, the class's own previous value or _MISSING) of the applied patches.
_applied: list[tuple[type, str, Any]] = []


def _target(module_path: str, class_name: str) -> type:
    import importlib

    module = importlib.import_module(module_path)
    cls = getattr(module, class_name)
    assert isinstance(cls, type)
    return cls


def is_installed() -> bool:
    return bool(_applied)


def install() -> bool:
    """Patch moto. Idempotent: returns ``True`` if this call installed, ``False`` if the
    extension was already in place."""
    with _lock:
        if _applied:
            return False
        for module_path, class_name, attribute, kind, replacement in PATCHES:
            cls = _target(module_path, class_name)
            inherited = getattr(cls, attribute, _MISSING)
            if kind == "add" and inherited is not _MISSING:
                raise RuntimeError(f"moto already has {class_name}.{attribute}; check the patch")
            if kind in ("replace", "wrap") and inherited is _MISSING:
                raise RuntimeError(f"moto has no {class_name}.{attribute} to {kind}")
            if kind == "wrap":
                if class_name == "EC2Response":
                    responses.ORIGINALS[attribute] = inherited
                else:
                    backend.ORIGINALS[attribute] = inherited
            _applied.append((cls, attribute, cls.__dict__.get(attribute, _MISSING)))
            setattr(cls, attribute, replacement)
        return True


def uninstall() -> bool:
    """Restore moto's classes. Returns ``False`` if nothing was installed."""
    with _lock:
        if not _applied:
            return False
        for cls, attribute, previous in reversed(_applied):
            if previous is _MISSING:
                delattr(cls, attribute)
            else:
                setattr(cls, attribute, previous)
        _applied.clear()
        backend.ORIGINALS.clear()
        responses.ORIGINALS.clear()
        return True
