"""The tip-generator alias as configured: model, endpoint, context mode, timeout.

Standard library only: `oo status` and the daemon read it without loading litellm.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from oo import config

ALIAS = "tip-generator"
PROMPT_VERSION = "2"  # raise when the prompt changes; kept with every generated tip


def is_local(api_base: str) -> bool:
    """Whether an endpoint is on this machine (loopback)."""
    host = urlsplit(api_base).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def locale_language() -> str:
    """The two-letter language of the locale (LC_ALL, LC_MESSAGES, LANG); English for C/POSIX."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            code = value.split(".")[0].split("_")[0].lower()
            return code if re.fullmatch(r"[a-z]{2}", code) else "en"
    return "en"


@dataclass(frozen=True)
class Settings:
    alias: str
    model: str
    api_base: str
    mode: str  # configured: local, redacted or full
    timeout_s: float
    language: str = "en"  # two-letter code the tips must be written in
    key: str = "auto"  # configured: auto, keyring or none

    @property
    def port(self) -> int:
        parts = urlsplit(self.api_base)
        if parts.port is not None:
            return parts.port
        return 443 if parts.scheme == "https" else 80

    @property
    def needs_key(self) -> bool:
        """Whether the API key is read from the keyring: never for Ollama or a loopback
        endpoint unless `llm.key = keyring` says so."""
        if self.key != "auto":
            return self.key == "keyring"
        return not (self.local or self.provider.startswith("ollama"))

    @property
    def enabled(self) -> bool:
        return self.model != config.OFF

    @property
    def host(self) -> str:
        return urlsplit(self.api_base).hostname or "unknown"

    @property
    def local(self) -> bool:
        return is_local(self.api_base)

    @property
    def context_mode(self) -> str:
        """What the prompt may hold: free text ("full") or derived features only ("redacted").

        "local" sends free text only to an endpoint on this machine.
        """
        if self.mode == "full" or (self.mode == "local" and self.local):
            return "full"
        return "redacted"

    @property
    def provider(self) -> str:
        return self.model.split("/", 1)[0].lower()


def load() -> Settings:
    return Settings(
        alias=ALIAS,
        model=str(config.get("llm", ALIAS)),
        api_base=str(config.get("llm", "api-base")).rstrip("/"),
        mode=str(config.get("llm", "mode")),
        timeout_s=float(config.get("llm", "timeout-s")),
        language=_language(str(config.get("llm", "language"))),
        key=str(config.get("llm", "key")),
    )


def _language(configured: str) -> str:
    return locale_language() if configured == "auto" else configured
