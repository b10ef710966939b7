"""The token vault: secrets live in the OS keyring and nowhere else.

Service `oo`, username `<connector>:<account>`. A value is a small JSON object (a token, or
a secret calendar URL). Windows stores at most 2,560 bytes a credential, so a long value is
split into numbered parts under `<username>#1`, `#2`, ... with a short header in the main
entry. A missing, locked or failing keyring is one clear sentence with the person's
choices; there is never a plaintext fallback.
"""

from __future__ import annotations

import json
from typing import Any

from oo.errors import OOError

SERVICE = "oo"
# Characters per entry: under Windows' 2,560-byte limit even as UTF-16 (2 bytes a character).
CHUNK = 1000
_HEADER = "oo-chunked:v1:"
# Backends that would keep a secret in clear, or drop it: refused, never a silent fallback.
_REFUSED = ("keyring.backends.null", "keyrings.alt.file.PlaintextKeyring")


class KeyringUnavailable(OOError):
    """The OS keyring cannot be used; the message says why and what the person can do."""


def username(connector: str, account: str) -> str:
    return f"{connector}:{account}"


def _explain(exc: BaseException | None, backend: object = None) -> KeyringUnavailable:
    from keyring import errors  # wraps the keyring library

    name = type(backend).__module__ + "." + type(backend).__name__ if backend else ""
    if isinstance(exc, errors.KeyringLocked):
        return KeyringUnavailable(
            "the OS keyring is locked: unlock it (log in to your desktop session or open"
            " your keyring app) and run the command again; nothing was saved"
        )
    if exc is None or isinstance(exc, errors.NoKeyringError | errors.InitError):
        what = f" ({name} keeps secrets in clear or drops them)" if exc is None and name else ""
        return KeyringUnavailable(
            f"no usable OS keyring{what}, and oO keeps tokens only there: start one"
            " (GNOME Keyring, KWallet, macOS Keychain, Windows Credential Manager) or choose"
            " one with PYTHON_KEYRING_BACKEND; nothing was saved"
        )
    detail = str(exc).splitlines()[0][:120] if str(exc) else ""
    return KeyringUnavailable(
        f"the OS keyring failed ({type(exc).__name__}{': ' + detail if detail else ''}):"
        " check that it is running and unlocked, or choose another with"
        " PYTHON_KEYRING_BACKEND; nothing was saved"
    )


def _backend() -> Any:
    import keyring  # wraps the keyring library

    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # a backend that fails to load
        raise _explain(exc) from None
    qualified = f"{type(backend).__module__}.{type(backend).__name__}"
    if type(backend).__module__ == "keyring.backends.fail" or any(
        qualified.startswith(prefix) for prefix in _REFUSED
    ):
        if type(backend).__module__ == "keyring.backends.fail":
            from keyring.errors import NoKeyringError

            raise _explain(NoKeyringError()) from None
        raise _explain(None, backend) from None
    return backend


def _call(fn: Any, *args: str) -> Any:
    try:
        return fn(SERVICE, *args)
    except Exception as exc:
        from keyring.errors import PasswordDeleteError

        if isinstance(exc, PasswordDeleteError):
            return None
        raise _explain(exc) from None


def save(connector: str, account: str, value: dict[str, Any]) -> None:
    """Store `value` for connector:account, replacing what was there."""
    backend = _backend()
    user = username(connector, account)
    text = json.dumps(value, separators=(",", ":"), sort_keys=True)
    old_parts = _part_count(backend, user)
    if len(text) <= CHUNK:
        _call(backend.set_password, user, text)
        parts = 0
    else:
        pieces = [text[i : i + CHUNK] for i in range(0, len(text), CHUNK)]
        # Parts first, header last: a reader never sees a header without its parts.
        for n, piece in enumerate(pieces, 1):
            _call(backend.set_password, f"{user}#{n}", piece)
        _call(backend.set_password, user, f"{_HEADER}{len(pieces)}")
        parts = len(pieces)
    for n in range(parts + 1, old_parts + 1):
        _call(backend.delete_password, f"{user}#{n}")


def _part_count(backend: Any, user: str) -> int:
    head = _call(backend.get_password, user)
    if isinstance(head, str) and head.startswith(_HEADER):
        try:
            return int(head[len(_HEADER) :])
        except ValueError:
            return 0
    return 0


def load(connector: str, account: str) -> dict[str, Any] | None:
    """The value stored for connector:account, or None if there is none."""
    backend = _backend()
    user = username(connector, account)
    head = _call(backend.get_password, user)
    if head is None:
        return None
    text = str(head)
    if text.startswith(_HEADER):
        pieces = []
        for n in range(1, _part_count(backend, user) + 1):
            piece = _call(backend.get_password, f"{user}#{n}")
            if piece is None:
                return None
            pieces.append(str(piece))
        text = "".join(pieces)
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def delete(connector: str, account: str) -> bool:
    """Delete the entry and its parts; True if something was there."""
    backend = _backend()
    user = username(connector, account)
    parts = _part_count(backend, user)
    existed = _call(backend.get_password, user) is not None
    for n in range(1, parts + 1):
        _call(backend.delete_password, f"{user}#{n}")
    if existed:
        _call(backend.delete_password, user)
    return existed


def check() -> str:
    """Fail early, before a browser opens, when no usable keyring is there; returns its name."""
    backend = _backend()
    _call(backend.get_password, "probe:oo")  # a locked keyring answers only when asked
    return f"{type(backend).__module__}.{type(backend).__name__}"
