"""The token vault: secrets live in the OS keyring and nowhere else.

Service `oo`, username `<install>/<connector>:<account>`, where `install` is the data
directory's install id (kept in its database): two data directories (two `OO_HOME`s) never
read, replace or delete each other's entries. Entries written before install ids existed
(`<connector>:<account>`) are adopted on first use by the data directory that names them.
Each install keeps an index entry (`<install>/index`) listing its entries, so `oo forget`
can remove every one without a keyring that can be searched. A value is a small JSON object
(a token, or a secret calendar URL), or a plain text (an LLM API key).

Windows stores at most 2,560 bytes a credential, so a long value is split into numbered
parts under `<username>#1`, `#2`, ... with a short header in the main entry. A missing,
locked or failing keyring is one clear sentence with the person's choices; there is never
a plaintext fallback.
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


def username(connector: str, account: str, install: str) -> str:
    if not install or "/" in install:
        raise ValueError("an install id is needed to name a keyring entry")
    return f"{install}/{connector}:{account}"


def legacy_username(connector: str, account: str) -> str:
    """The name entries had before install ids: shared by every data directory."""
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


def _write(backend: Any, user: str, text: str) -> None:
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


def _read(backend: Any, user: str) -> str | None:
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
    return text


def _erase(backend: Any, user: str) -> bool:
    parts = _part_count(backend, user)
    existed = _call(backend.get_password, user) is not None
    for n in range(1, parts + 1):
        _call(backend.delete_password, f"{user}#{n}")
    if existed:
        _call(backend.delete_password, user)
    return existed


# The index: which entries this install holds ------------------------------------------------


def _index_name(install: str) -> str:
    return f"{install}/index"


def _index(backend: Any, install: str) -> list[str]:
    text = _read(backend, _index_name(install))
    try:
        names = json.loads(text) if text else []
    except ValueError:
        return []
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def _set_index(backend: Any, install: str, names: list[str]) -> None:
    if names:
        _write(backend, _index_name(install), json.dumps(sorted(set(names))))
    else:
        _erase(backend, _index_name(install))


# Plain text values ---------------------------------------------------------------------------


def save_text(connector: str, account: str, text: str, *, install: str) -> None:
    """Store `text` for connector:account in this install, replacing what was there."""
    backend = _backend()
    user = username(connector, account, install)
    names = _index(backend, install)
    key = legacy_username(connector, account)
    if key not in names:  # listed first: an entry is never left out of the index
        _set_index(backend, install, [*names, key])
    _write(backend, user, text)


def load_text(connector: str, account: str, *, install: str) -> str | None:
    """The text stored for connector:account in this install, or None. An entry from before
    install ids, under the same connector and account, is moved into this install."""
    backend = _backend()
    user = username(connector, account, install)
    text = _read(backend, user)
    if text is not None:
        return text
    legacy = legacy_username(connector, account)
    text = _read(backend, legacy)
    if text is None:
        return None
    save_text(connector, account, text, install=install)
    _erase(backend, legacy)
    return text


def delete(connector: str, account: str, *, install: str) -> bool:
    """Delete this install's entry; True if something was there. (An entry from before
    install ids is adopted by `load`, which disconnecting does first, so it goes too.)"""
    backend = _backend()
    existed = _erase(backend, username(connector, account, install))
    key = legacy_username(connector, account)
    names = _index(backend, install)
    if key in names:
        _set_index(backend, install, [n for n in names if n != key])
    return existed


def delete_all(install: str) -> list[str]:
    """Delete every entry this install holds; returns their `connector:account` names."""
    backend = _backend()
    removed = []
    for key in _index(backend, install):
        if _erase(backend, f"{install}/{key}"):
            removed.append(key)
    _erase(backend, _index_name(install))
    return removed


def held(install: str) -> list[str]:
    """The `connector:account` names of the entries this install holds."""
    return _index(_backend(), install)


# JSON values ---------------------------------------------------------------------------------


def save(connector: str, account: str, value: dict[str, Any], *, install: str) -> None:
    """Store `value` for connector:account, replacing what was there."""
    text = json.dumps(value, separators=(",", ":"), sort_keys=True)
    save_text(connector, account, text, install=install)


def load(connector: str, account: str, *, install: str) -> dict[str, Any] | None:
    """The value stored for connector:account, or None if there is none."""
    text = load_text(connector, account, install=install)
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def check() -> str:
    """Fail early, before a browser opens, when no usable keyring is there; returns its name."""
    backend = _backend()
    _call(backend.get_password, "probe:oo")  # a locked keyring answers only when asked
    return f"{type(backend).__module__}.{type(backend).__name__}"
