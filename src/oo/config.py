"""Configuration: `config.toml` in the data directory, edited with `oo config set`.

Only known keys can be set, each checked by its own rule. Configuration never holds a
secret: API keys live in the OS keyring (`oo llm key set`), and a value that looks like a
credential is refused. Standard library only, so any process can read it cheaply.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from oo import paths
from oo.errors import OOError

CONFIG_NAME = "config.toml"
OFF = "off"


def config_path() -> Path:
    return paths.home() / CONFIG_NAME


def _model(value: str) -> str | int | float:
    if value == OFF:
        return value
    if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.:/@+-]+", value) or len(value) > 200:
        raise ValueError("a litellm model string like ollama_chat/qwen2.5:1.5b, or `off`")
    return value


def _url(value: str) -> str | int | float:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("an http:// or https:// address, like http://127.0.0.1:11434")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError("an address without credentials, query or fragment")
    return value.rstrip("/")


def _choice(*allowed: str) -> Callable[[str], str | int | float]:
    def check(value: str) -> str | int | float:
        if value not in allowed:
            raise ValueError(" or ".join(allowed))
        return value

    return check


def _number(low: float, high: float, *, whole: bool) -> Callable[[str], str | int | float]:
    def check(value: str) -> str | int | float:
        try:
            number: float = int(value) if whole else float(value)
        except ValueError:
            number = float("nan")
        if not low <= number <= high:
            kind = "a whole number" if whole else "a number"
            raise ValueError(f"{kind} from {low:g} to {high:g}")
        return number

    return check


def _language(value: str) -> str | int | float:
    if value != "auto" and not re.fullmatch(r"[a-z]{2}", value):
        raise ValueError("auto, or a two-letter language code like en or de")
    return value


def _quiet_hours(value: str) -> str | int | float:
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", value):
        raise ValueError("a range of local times like 22:00-07:00")
    return value


@dataclass(frozen=True)
class Key:
    check: Callable[[str], str | int | float]
    default: str | int | float | None
    help: str


KEYS: dict[str, Key] = {
    "llm.tip-generator": Key(
        _model, "ollama_chat/qwen2.5:1.5b", "model behind the tip-generator alias, or `off`"
    ),
    "llm.api-base": Key(_url, "http://127.0.0.1:11434", "endpoint of the tip-generator"),
    "llm.mode": Key(
        _choice("local", "redacted", "full"),
        "local",
        "what the prompt may hold: local (free text only to this machine), redacted, full",
    ),
    "llm.timeout-s": Key(
        _number(1, 600, whole=False), 120, "seconds a generation may take, connection included"
    ),
    "llm.language": Key(
        _language, "auto", "language of generated tips (like en or de), or auto: the locale's"
    ),
    "llm.key": Key(
        _choice("auto", "keyring", "none"),
        "auto",
        "API key from the OS keyring: auto (only for a remote, non-Ollama endpoint), keyring, none",
    ),
    "llm.embedder": Key(_model, OFF, "model behind the embedder alias, or `off`"),
    "notify.quiet_hours": Key(_quiet_hours, "22:00-08:00", "no notifications in this range"),
    "notify.daily_budget": Key(_number(0, 50, whole=True), 3, "notifications a day at most"),
    "notify.min_gap_minutes": Key(
        _number(0, 1440, whole=True), 90, "minutes between notifications at least"
    ),
}

# Shapes of credentials that must never be written to configuration.
_SECRET = re.compile(
    r"(sk-[A-Za-z0-9_-]{8,}|gh[pousr]_[A-Za-z0-9]{16,}|xox[abpr]-|AKIA[0-9A-Z]{12,}"
    r"|eyJ[A-Za-z0-9_-]{10,}\.|Bearer\s|api[_-]?key=|token=)",
    re.IGNORECASE,
)


def load(path: Path | None = None) -> dict[str, Any]:
    """The whole configuration file as a dict of sections; {} when there is none."""
    path = path or config_path()
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise OOError(f"{path} is not valid TOML ({exc}); fix or remove it") from None
    except UnicodeDecodeError as exc:
        raise OOError(f"{path} is not UTF-8 text (byte {exc.start}); fix or remove it") from None


def get(section: str, key: str, default: Any = None) -> Any:
    """One value: the file's, else the known default, else `default`."""
    table = load().get(section, {})
    known = KEYS.get(f"{section}.{key}")
    if isinstance(table, dict) and key in table:
        value = table[key]
        if known is None:
            return value
        try:  # a hand-edited file gets the same checks as `oo config set`
            return known.check(str(value).strip())
        except ValueError as exc:
            raise OOError(
                f"{section}.{key} in {config_path()} takes {exc}, not {value!r}"
            ) from None
    if known is not None and known.default is not None:
        return known.default
    return default


def effective() -> dict[str, Any]:
    """Every known key with its current value (set or default)."""
    values: dict[str, Any] = {}
    for dotted, known in KEYS.items():
        section, key = dotted.split(".", 1)
        values[dotted] = get(section, key, known.default)
    return values


def split_key(dotted_key: str) -> tuple[str, str, Key]:
    known = KEYS.get(dotted_key)
    if known is None:
        names = ", ".join(KEYS)
        raise OOError(f"unknown setting {dotted_key!r}; known settings: {names}", 2)
    section, key = dotted_key.split(".", 1)
    return section, key, known


def parse_value(dotted_key: str, value: str) -> str | int | float:
    _, _, known = split_key(dotted_key)
    value = value.strip()
    if _SECRET.search(value):
        raise OOError(
            "that looks like a secret; configuration never holds one. "
            "Store API keys with `oo llm key set PROVIDER`",
            2,
        )
    try:
        return known.check(value)
    except ValueError as exc:
        raise OOError(f"{dotted_key} takes {exc}, not {value!r}", 2) from None


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        # A JSON string is a valid TOML basic string when non-ASCII stays literal.
        return json.dumps(value, ensure_ascii=False)
    raise OOError(f"cannot write {type(value).__name__} values to {CONFIG_NAME}")


def dumps(config: dict[str, Any]) -> str:
    """TOML for a dict of sections holding scalar values (what oO writes)."""
    out: list[str] = []
    for section, table in config.items():
        if not isinstance(table, dict):
            continue
        out.append(f"[{section}]")
        for key, value in table.items():
            if isinstance(value, dict | list):
                continue  # oO writes only scalars; nested tables are not ours to rewrite
            out.append(f"{json.dumps(key)} = {_toml_value(value)}")
        out.append("")
    return "\n".join(out)


def _write(config: dict[str, Any], path: Path) -> None:
    paths.ensure_home()
    fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(dumps(config))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def set_value(dotted_key: str, value: str) -> str | int | float:
    """Check and store one setting atomically (the file stays 0600); returns the stored value."""
    section, key, _ = split_key(dotted_key)
    parsed = parse_value(dotted_key, value)
    path = config_path()
    config = load(path)
    table = config.setdefault(section, {})
    if not isinstance(table, dict):
        raise OOError(f"{path}: [{section}] is not a table; fix or remove it")
    table[key] = parsed
    _write(config, path)
    return parsed


def unset(dotted_key: str) -> bool:
    """Go back to the default; returns whether the key was set."""
    section, key, _ = split_key(dotted_key)
    path = config_path()
    config = load(path)
    table = config.get(section)
    if not isinstance(table, dict) or key not in table:
        return False
    del table[key]
    _write(config, path)
    return True
