"""API keys for LLM providers, in the OS keyring (service `oo`, username `llm:<provider>`).

Kept apart so it can fold into `oo.secrets` later. Every keyring failure becomes one
sentence with a way forward; there is never a plaintext fallback.
"""

from __future__ import annotations

import re

from oo.errors import OOError

SERVICE = "oo"
_PROVIDER = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


def username(provider: str) -> str:
    provider = provider.strip().lower()
    if not _PROVIDER.fullmatch(provider):
        raise OOError(f"{provider!r} is not a provider name (like openai or anthropic)", 2)
    return f"llm:{provider}"


def provider_of(model: str) -> str:
    """The provider part of a litellm model string: `openai/gpt-4o-mini` -> `openai`."""
    return model.split("/", 1)[0].lower()


def _keyring_error(exc: Exception) -> OOError:
    name = type(exc).__name__
    if name == "NoKeyringError":
        return OOError(
            "no OS keyring is available (Secret Service, Keychain or Credential Manager);"
            " start one, or use a local model that needs no key"
        )
    if name == "KeyringLocked":
        return OOError("the OS keyring is locked; unlock it and try again")
    return OOError(f"the OS keyring failed ({name}: {exc}); nothing was stored")


def set_key(provider: str, secret: str) -> None:
    import keyring  # heavy: loads the keyring backends

    user = username(provider)
    secret = secret.strip()
    if not secret or any(ord(c) < 32 for c in secret):
        raise OOError("the key is empty or spans several lines; paste it on one line", 2)
    try:
        keyring.set_password(SERVICE, user, secret)
    except Exception as exc:
        raise _keyring_error(exc) from None


def get_key(provider: str) -> str | None:
    """The stored key, or None when there is none or no keyring can be reached."""
    try:
        import keyring  # heavy: loads the keyring backends

        return keyring.get_password(SERVICE, username(provider))
    except Exception:
        return None


def delete_key(provider: str) -> bool:
    import keyring  # heavy: loads the keyring backends
    from keyring.errors import PasswordDeleteError

    try:
        keyring.delete_password(SERVICE, username(provider))
    except PasswordDeleteError:
        return False
    except Exception as exc:
        raise _keyring_error(exc) from None
    return True
