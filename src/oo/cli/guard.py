"""Every error a person can meet becomes one line on stderr and a non-zero exit code.

Standard library only: the fast paths (`oo tip`, reactions) use it without typer.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import traceback
from collections.abc import Callable

from oo import paths
from oo.errors import OOError


def fail(message: str, code: int) -> int:
    from oo.text import sanitize  # an error can quote what was typed or what a provider said

    if os.environ.get("OO_DEBUG"):
        traceback.print_exc()
    print(f"oo: {sanitize(message)}", file=sys.stderr)
    return code


def undecodable_argument(argv: list[str]) -> str | None:
    """The first argument holding bytes that are not UTF-8 (Python passes them on as lone
    surrogates, which SQLite and the terminal refuse), shown with escapes; None if all are."""
    for arg in argv:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            return arg.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
    return None


def guarded(action: Callable[[], int | None]) -> int:
    """Run `action`; its result (None means 0) is the exit code, and errors are one line."""
    bad = undecodable_argument(sys.argv[1:])
    if bad is not None:
        return fail(f"the argument {bad!r} is not UTF-8 text; check the terminal's encoding", 2)
    try:
        result = action()
    except OOError as exc:
        return fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    except sqlite3.Error as exc:
        from oo.store.db import describe_error

        return fail(describe_error(exc, paths.db_path()), 1)
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        return fail(f"{exc.strerror or exc}{where}", 1)
    except Exception as exc:
        return fail(f"unexpected error ({type(exc).__name__}: {exc}); OO_DEBUG=1 shows more", 70)
    return result or 0
