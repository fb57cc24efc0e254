"""The state's secrets, kept as ciphertext the way a Pulumi checkpoint keeps them.

Why this exists: the state holds every secret of the stack: the ``--config`` values (the
runner's only way to give a secret, so it treats them all as secrets), every secret input and
output, and each dynamic resource's pickled provider (which the SDK marks secret because it can
capture credentials). A state file gets copied, attached to bug reports and backed up, so, as
in a Pulumi checkpoint, a secret is stored as
``{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": ...}``
with the AES-256-GCM ciphertext of the value's JSON (``v1:<nonce>:<ciphertext>``, base64, the
layout of Pulumi's passphrase secrets manager).

The Pulumi CLI takes its key from a passphrase or a cloud KMS. This offline dev tool has
neither, so its key is random, made on first use and kept beside the state in ``secrets.key``
(mode 0600). That keeps secrets out of a ``state.json`` that travels alone; it does not protect
them from someone who can read the work folder, key included.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import threading
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .private_file import create_private
from .properties import SIG_KEY
from .secret_values import is_secret, make_secret

KEY_NAME = "secrets.key"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_VERSION = "v1"
_NONCE_BYTES = 12
_COMPACT = (",", ":")


class SecretsError(Exception):
    """The state's secrets can't be read: the key is missing or is not the one they were
    encrypted with."""


def _is_ciphertext(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG and "ciphertext" in value


class StateSecrets:
    """Encrypts and decrypts the secrets of one work folder's state (``for_state``)."""

    def __init__(self, key_path: Path) -> None:
        self.key_path = key_path
        self._cipher: AESGCM | None = None
        self._key_file: tuple[int, int] | None = None
        # Saved after every step: encrypt each distinct value once, and keep the ciphertext a
        # loaded state had, so an unchanged secret is written back byte for byte.
        self._ciphertexts: dict[str, str] = {}
        self._plaintexts: dict[str, str] = {}
        # The last save's items: plain JSON -> JSON with the secrets encrypted.
        self._items: dict[str, str] = {}

    def dumps(self, document: dict[str, Any], *, per_item: str) -> str:
        """``document`` as compact JSON, its secrets encrypted.

        Walking every value of a large state for secrets costs more than the JSON encoding
        itself, and the state is saved after every step. So the entries of the list
        ``document[per_item]`` are handled one by one and remembered by their plain JSON (the
        C encoder's work): a save walks only the entries that changed since the last one.
        """
        self._notice_key_changes()
        previous, self._items = self._items, {}
        items = []
        for item in document[per_item]:
            plain = json.dumps(item, separators=_COMPACT)
            encrypted = previous.get(plain) or self._items.get(plain)
            if encrypted is None:
                encrypted = json.dumps(self._encrypt(item), separators=_COMPACT)
            self._items[plain] = encrypted
            items.append(encrypted)
        rest = self._encrypt({k: v for k, v in document.items() if k != per_item})
        rest[per_item] = []
        head, _, _ = json.dumps(rest, separators=_COMPACT).rpartition("[]")
        return f"{head}[{','.join(items)}]}}"

    def decrypt_document(self, document: Any) -> Any:
        """``document`` with every ciphertext replaced by the secret it holds (plain values, as
        an older state kept them, stay as they are)."""
        self._notice_key_changes()
        return self._decrypt(document)

    def _key_file_identity(self) -> tuple[int, int] | None:
        try:
            status = self.key_path.stat()
        except FileNotFoundError:
            return None
        return status.st_ino, status.st_mtime_ns

    def _notice_key_changes(self) -> None:
        """Forget the key and every cached ciphertext if the key file changed or went away
        since this process read it (one ``stat`` per load or save)."""
        identity = self._key_file_identity()
        if identity != self._key_file:
            self._cipher = None
            self._key_file = identity
            self._ciphertexts.clear()
            self._plaintexts.clear()
            self._items.clear()

    def _key(self, *, create: bool) -> AESGCM:
        if self._cipher is not None:
            return self._cipher
        if create:
            create_private(self.key_path, base64.b64encode(AESGCM.generate_key(256)).decode())
            self._key_file = self._key_file_identity()
        try:
            key = base64.b64decode(self.key_path.read_text(encoding="utf-8"), validate=True)
        except FileNotFoundError:
            raise SecretsError(f"its secrets key {self.key_path} is missing") from None
        except (OSError, ValueError, binascii.Error) as error:
            raise SecretsError(f"its secrets key {self.key_path} is unreadable: {error}") from None
        if len(key) != 32:
            raise SecretsError(f"its secrets key {self.key_path} is not a 256-bit key")
        self._cipher = AESGCM(key)
        return self._cipher

    def _encrypt(self, value: Any) -> Any:
        if is_secret(value) and "value" in value:
            plain = json.dumps(value["value"], sort_keys=True, separators=(",", ":"))
            ciphertext = self._ciphertexts.get(plain)
            if ciphertext is None:
                nonce = os.urandom(_NONCE_BYTES)
                sealed = self._key(create=True).encrypt(nonce, plain.encode(), None)
                ciphertext = ":".join(
                    [_VERSION, base64.b64encode(nonce).decode(), base64.b64encode(sealed).decode()]
                )
                self._remember(plain, ciphertext)
            return {SIG_KEY: SECRET_SIG, "ciphertext": ciphertext}
        if isinstance(value, dict):
            return {key: self._encrypt(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._encrypt(item) for item in value]
        return value

    def _decrypt(self, value: Any) -> Any:
        if _is_ciphertext(value):
            ciphertext = value["ciphertext"]
            plain = self._plaintexts.get(ciphertext) if isinstance(ciphertext, str) else None
            if plain is None:
                plain = self._open(ciphertext)
                self._remember(plain, ciphertext)
            return make_secret(json.loads(plain))
        if isinstance(value, dict):
            return {key: self._decrypt(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._decrypt(item) for item in value]
        return value

    def _open(self, ciphertext: Any) -> str:
        version, _, rest = str(ciphertext).partition(":")
        nonce_text, _, sealed_text = rest.partition(":")
        if version != _VERSION:
            raise SecretsError(f"a secret has an unknown ciphertext version {version!r}")
        try:
            nonce = base64.b64decode(nonce_text, validate=True)
            sealed = base64.b64decode(sealed_text, validate=True)
            return self._key(create=False).decrypt(nonce, sealed, None).decode()
        except (binascii.Error, ValueError, InvalidTag):
            raise SecretsError(
                f"a secret does not decrypt with {self.key_path}: it is not the key this "
                "state was written with, or the ciphertext is damaged"
            ) from None

    def _remember(self, plain: str, ciphertext: str) -> None:
        self._ciphertexts[plain] = ciphertext
        self._plaintexts[ciphertext] = plain


_BY_KEY: dict[Path, StateSecrets] = {}
_BY_KEY_LOCK = threading.Lock()


def for_state(state_path: Path) -> StateSecrets:
    """The secrets of the state at ``state_path`` (the key beside it), shared per process."""
    key_path = (state_path.parent / KEY_NAME).resolve()
    with _BY_KEY_LOCK:
        secrets = _BY_KEY.get(key_path)
        if secrets is None:
            secrets = _BY_KEY[key_path] = StateSecrets(key_path)
        return secrets
