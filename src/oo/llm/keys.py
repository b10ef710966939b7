"""API keys for LLM providers, in the OS keyring through `oo.secrets` (service `oo`,
username `<install>/llm:<provider>`), so `oo forget` removes them with the rest.

Every keyring failure becomes one sentence with a way forward; there is never a plaintext
fallback.
"""

from __future__ import annotations

import re

from oo.errors import OOError

_PROVIDER = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


def username(provider: str) -> str:
    provider = provider.strip().lower()
    if not _PROVIDER.fullmatch(provider):
        raise OOError(f"{provider!r} is not a provider name (like openai or anthropic)", 2)
    return f"llm:{provider}"


def provider_of(model: str) -> str:
    """The provider part of a litellm model string: `openai/gpt-4o-mini` -> `openai`."""
    return model.split("/", 1)[0].lower()


def set_key(provider: str, secret: str, *, install: str) -> None:
    from oo import secrets  # loads the keyring backends

    username(provider)
    secret = secret.strip()
    if not secret or any(ord(c) < 32 for c in secret):
        raise OOError("the key is empty or spans several lines; paste it on one line", 2)
    secrets.save_text("llm", provider.strip().lower(), secret, install=install)


def get_key(provider: str, *, install: str) -> str | None:
    """The stored key, or None when there is none or no keyring can be reached."""
    try:
        from oo import secrets  # loads the keyring backends

        username(provider)
        return secrets.load_text("llm", provider.strip().lower(), install=install)
    except Exception:
        return None


def delete_key(provider: str, *, install: str) -> bool:
    from oo import secrets  # loads the keyring backends

    username(provider)
    name = provider.strip().lower()
    secrets.load_text("llm", name, install=install)  # adopts a key from before install ids
    return secrets.delete("llm", name, install=install)
