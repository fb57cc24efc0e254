"""The runner's own files (state, secrets key, emulator record): owner-only, replaced atomically.

Why this exists: the state is rewritten after every step, and a command can be killed at any
moment; a reader must then find either the old file or the new one, never half of one (a
truncated ``state.json`` would forget every resource of the stack). The state also names every
resource the stack owns and its secrets' ciphertext, so only the user may read it, whatever the
umask says: the file is created with mode 0600 by ``os.open``, not by ``open`` and the umask.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

PRIVATE_MODE = 0o600


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and its parents) if missing; a new work folder is the user's only."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


def write_private(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically; the file is readable by its owner only."""
    make_private_dir(path.parent)
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_MODE)
    try:
        # A temporary file left by a killed run keeps its old mode through O_CREAT: set it.
        os.fchmod(descriptor, PRIVATE_MODE)
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            descriptor = -1  # the stream owns it now
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        if descriptor >= 0:
            os.close(descriptor)
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def create_private(path: Path, text: str) -> bool:
    """Write ``path`` only if it doesn't exist yet (mode 0600); whether this call created it.

    The whole content appears at once (a hard link of a finished file), so a reader never sees
    a partly written file and two writers never both succeed.
    """
    temporary = path.with_name(f"{path.name}.{os.getpid()}.new")
    write_private(temporary, text)
    try:
        os.link(temporary, path)
    except FileExistsError:
        return False
    finally:
        temporary.unlink()
    return True
