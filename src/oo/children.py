"""Child processes that do not outlive the process that started them."""

from __future__ import annotations

import sys


def die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """A `preexec_fn`: on Linux, the child is killed when the thread that started it ends,
    and so when its process dies, even by `kill -9`."""
    if sys.platform != "linux":
        return
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
