"""typer, imported when it is first used rather than when a command module is imported.

Command modules write `from oo.cli.lazy import typer` and name typer only in their
signatures' annotations (strings, under `from __future__ import annotations`). Importing such
a module costs nothing of typer; typer loads when the runner builds the command line and reads
those annotations. So `oo.cli.direct` can call a command's function for the plain forms of the
everyday commands without paying for typer (ADR 0070). Standard library only.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType
from typing import TYPE_CHECKING


def lazy_module(name: str) -> ModuleType:
    """`name`, registered in sys.modules but executed on first attribute access."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


if TYPE_CHECKING:
    import typer
else:
    typer = lazy_module("typer")

__all__ = ["lazy_module", "typer"]
