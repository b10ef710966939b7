"""The `oo` entry point.

`oo tip` with a tip already chosen is answered by `oo.cli.fast` without importing typer or
anything heavy; plain reactions (`oo done`, `oo later 2h`), the plain forms of the everyday
commands (`oo.cli.direct`: `oo mood 3`, `oo habit done NAME`, `oo history`, `oo why`,
`oo status`), `oo watch` and `oo daemon run` skip typer too.
Everything else goes through the lazily built command line in `runner`.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.umask(0o077)  # every file oO creates is private to this user
    argv = sys.argv[1:]
    if argv == ["--version"]:
        from oo import __version__

        print(f"oo {__version__}")
        return
    if argv[:1] == ["tip"] and set(argv[1:]) <= {"--json"}:
        from oo.cli.fast import tip

        code = tip(as_json="--json" in argv)
        if code is not None:
            sys.exit(code)
    from oo.cli.fast import plain_reaction

    reaction = plain_reaction(argv)
    if reaction is not None:
        from oo.cli.guard import guarded
        from oo.cli.reactions import react

        sys.exit(guarded(lambda: react(**reaction)))  # type: ignore[arg-type]
    from oo.cli.direct import route

    action = route(argv)
    if action is not None:
        from oo.cli.guard import guarded

        sys.exit(guarded(action))
    if argv == ["daemon", "run"]:
        # The resident process skips typer too: typer's option parsing holds pydantic,
        # about 15 MB the daemon would carry for its whole life.
        from oo.cli.guard import guarded
        from oo.daemon.service import run as run_daemon

        sys.exit(guarded(run_daemon))
    if argv == ["watch"]:
        from oo.cli.watch import main as watch  # skips typer: the face's first paint is timed

        sys.exit(watch())
    from oo.cli.runner import run

    sys.exit(run(argv))
