"""Modules imported on first use rather than when the importing module loads.

`deferred(name)` is a stand-in for module `name` that imports it (an ordinary import) the
first time one of its attributes is read. Used where a module names a heavy one at the top
but most of its callers never touch it: typer in the command modules (`oo.cli.lazy`, ADR
0070). Never inside a write transaction: the import would run while holding the write lock.
The stand-in is not put in sys.modules, so every other import sees the real module.
Standard library only.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class deferred:  # named like a module, which it stands in for
    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)

    def __repr__(self) -> str:
        return f"<deferred module {self._name!r}>"
