"""The daemon: one asyncio loop running an embedded APScheduler 3 and the notifier.

Jobs are rebuilt at every start from oO's own state (no pickled jobs): the sources table
says what to pull, the deliveries table which decision points were already answered.
Missed runs (a suspended machine waking up) coalesce into one run per job. The scheduler
reads time from an injectable clock, so tests move time instead of sleeping.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from oo import paths
from oo.children import die_with_parent
from oo.clock import iso
from oo.daemon import jobs, status
from oo.daemon.lock import DaemonLock
from oo.daemon.notify import Notifier
from oo.daemon.timing import NotifySettings
from oo.errors import OOError
from oo.store.db import open_store

log = logging.getLogger("oo.daemon")

Clock = Callable[[], datetime]
T = TypeVar("T")

# How often each job runs; the first run of each is at start.
EVERY = {
    "sync": timedelta(minutes=5),
    "deliver": timedelta(minutes=5),
    "settle": timedelta(minutes=10),
    "refresh": timedelta(minutes=30),
    "generate": timedelta(hours=6),
    "maintain": timedelta(hours=24),
}
REFRESH_TIMEOUT_S = 120.0
CHOOSE_TIMEOUT_S = 60.0
STOP_GRACE_S = 0.5
CHILD_MODULE = "oo.daemon.child"


def log_failure(what: str, exc: BaseException) -> None:
    """A failure in the log without what it may quote: oO's and SQLite's own messages are
    kept, any other exception shows its type and where it happened (the stack), never its
    message, which can hold a tip's text or a provider's content."""
    import traceback

    said = str(exc) if isinstance(exc, OOError | sqlite3.Error) else type(exc).__name__
    stack = "".join(traceback.format_tb(exc.__traceback__)).rstrip()
    log.error("%s failed: %s\n%s", what, said, stack)


def system_clock() -> datetime:
    from oo import clock

    return clock.now() if os.environ.get("OO_NOW") else datetime.now(UTC)


def _scheduler_reads(clock: Clock) -> None:
    """Make APScheduler 3 read time from `clock`. It calls `datetime.now(tz)` from its
    base module and offers no hook; swapping that name is the narrowest seam."""
    from apscheduler.schedulers import base

    class SchedulerTime(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> SchedulerTime:
            moment = clock().astimezone(tz)
            return cls.fromtimestamp(moment.timestamp(), tz)

    base.datetime = SchedulerTime


class Daemon:
    def __init__(
        self,
        clock: Clock = system_clock,
        rng: random.Random | None = None,
        notifier: Notifier | None = None,
    ) -> None:
        self.clock = clock
        self.rng = rng or random.Random()
        self.jitter_rng = random.Random()
        self.notifier = notifier or Notifier(self._on_reaction)
        self.backoff = jobs.Backoff()
        self.runs: Counter[str] = Counter()
        self.lock = DaemonLock()
        self.started_at: datetime | None = None
        self.scheduler: Any = None
        self._pool = concurrent.futures.ThreadPoolExecutor(2, thread_name_prefix="oo-job")
        self._children: set[asyncio.subprocess.Process] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._inflight = 0
        self._inflight_lock = threading.Lock()
        self._stopping = False
        self._config_error = ""
        self._choosing = asyncio.Lock()  # deliver and settle never choose at the same time
        self._standby_tried: int | None = None  # the newest event when a standby was drawn

    # --- life cycle -------------------------------------------------------------------

    def start(self) -> None:
        """Take the lock, open (and migrate) the store, and schedule every job now."""
        if not self.lock.acquire():
            info = status.read_file()
            since = f", since {info['started_at']}" if info.get("started_at") else ""
            raise OOError(
                f"the daemon is already running for {paths.home()} (pid "
                f"{info.get('pid', '?')}{since})"
            )
        try:
            open_store().close()  # migrations happen here, once, before any job
            self.settings()  # a broken config.toml: one log line, the daemon still starts
            self._start_scheduler()
        except BaseException:
            self.lock.release()
            raise

    def _start_scheduler(self) -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        self._loop = asyncio.get_running_loop()
        _scheduler_reads(self.clock)
        now = self.clock()
        self.started_at = now
        self.scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
        )
        bodies = {
            "sync": self.job_sync,
            "deliver": self.job_deliver,
            "settle": self.job_settle,
            "refresh": self.job_refresh,
            "generate": self.job_generate,
            "maintain": self.job_maintain,
        }
        for name, every in EVERY.items():
            trigger = IntervalTrigger(seconds=every.total_seconds(), start_date=now, timezone=UTC)
            self.scheduler.add_job(bodies[name], trigger, id=name, name=name, next_run_time=now)
        self.scheduler.start()
        log.info("daemon started for %s (pid %d)", paths.home(), os.getpid())
        self.write_status()

    async def stop(self) -> None:
        """Stop within a second: no new jobs, children killed, running work given a moment."""
        self._stopping = True
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        for child in list(self._children):
            if child.returncode is None:
                child.kill()
        jobs.stop_generation()
        self._pool.shutdown(wait=False, cancel_futures=True)
        deadline = asyncio.get_running_loop().time() + STOP_GRACE_S
        while (self.busy_threads() or self._children) and (
            asyncio.get_running_loop().time() < deadline
        ):
            await asyncio.sleep(0.02)
        self.write_status(stopped=True)
        self.lock.release()
        log.info("daemon stopped")

    def busy_threads(self) -> bool:
        """Whether store work is still running in the job pool."""
        return self._inflight > 0

    async def run_until_signal(self) -> None:
        """`oo daemon run`: until SIGTERM or SIGINT (Ctrl-C)."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError):  # Windows
                signal.signal(sig, lambda *_: loop.call_soon_threadsafe(stop.set))
        self.start()
        try:
            await stop.wait()
        finally:
            await self.stop()

    # --- helpers ----------------------------------------------------------------------

    def settings(self) -> NotifySettings | None:
        """The notification settings from config.toml, or None while it cannot be read (bad
        TOML, invalid UTF-8, a wrong value). Then the daemon keeps running (pulls, refreshes)
        but sends nothing: the file may hold a zero budget or quiet hours it cannot read. The
        reason is logged once, in one line, until the file changes."""
        try:
            settings = NotifySettings.load()
        except OOError as exc:
            if str(exc) != self._config_error:
                self._config_error = str(exc)
                log.warning("%s; no notifications until it is fixed", exc)
            return None
        self._config_error = ""
        return settings

    async def _in_thread(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run store work in the job pool with its own connection (one per thread)."""

        def call() -> T:
            with self._inflight_lock:
                self._inflight += 1
            try:
                conn = open_store()
                try:
                    return work(conn)
                finally:
                    conn.close()
            finally:
                with self._inflight_lock:
                    self._inflight -= 1

        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, call)

    async def _job(self, name: str, body: Coroutine[Any, Any, None]) -> None:
        try:
            await body
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            # Cancelled by the stop (scheduler shutdown or the loop ending): not a failure.
            log.info("job %s stopped with the daemon", name)
        except OOError as exc:  # one line a person can act on, said once if it is the config's
            if str(exc) != self._config_error:
                log.warning("job %s: %s", name, exc)
        except Exception as exc:
            log_failure(f"job {name}", exc)
        finally:
            self.runs[name] += 1
            if not self._stopping:  # after the stop, daemon.json keeps saying "stopped"
                self.write_status()

    async def _child(self, args: list[str], timeout: float, now: datetime) -> int | None:
        env = {**os.environ, "OO_NOW": iso(now)}
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            *args,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            preexec_fn=die_with_parent,
        )
        self._children.add(proc)
        try:
            return await asyncio.wait_for(proc.wait(), timeout)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            log.warning("%s took longer than %.0f s and was stopped", " ".join(args), timeout)
            return None
        finally:
            if proc.returncode is None:  # cancelled: never leave the child behind
                proc.kill()
            self._children.discard(proc)

    # --- jobs -------------------------------------------------------------------------

    async def job_sync(self) -> None:
        now = self.clock()

        async def body() -> None:
            await self._in_thread(lambda c: jobs.sync_due(c, now, self.backoff, self.jitter_rng))
            await self._choose_if_needed(now)  # what a pull brought drops the standby

        await self._job("sync", body())

    async def _choose_if_needed(self, now: datetime) -> None:
        """Expire the current tip and choose the next in a child when it is missing or over,
        or draw the standby when a new signal dropped it: the learning policy (numpy) never
        loads in the resident daemon."""
        async with self._choosing:
            if await self._in_thread(lambda c: jobs.needs_choice(c, now)):
                await self._child(["-m", CHILD_MODULE, "recommend"], CHOOSE_TIMEOUT_S, now)
                return
            mark = await self._in_thread(lambda c: jobs.needs_standby(c, now))
            if mark is not None and mark != self._standby_tried:
                self._standby_tried = mark  # once per new signal, even if none can be drawn
                await self._child(["-m", CHILD_MODULE, "standby"], CHOOSE_TIMEOUT_S, now)

    async def job_deliver(self) -> None:
        now = self.clock()

        async def body() -> None:
            settings = self.settings()
            await self._choose_if_needed(now)
            if settings is None:
                return
            to_send = await self._in_thread(lambda c: jobs.decide(c, now, settings, self.rng))
            if to_send is None:
                return
            shown = await self.notifier.show(to_send.tip_id, to_send.text)
            await self._in_thread(
                lambda c: jobs.sent(c, to_send.delivery_id, shown=shown, now=self.clock())
            )

        await self._job("deliver", body())

    async def job_settle(self) -> None:
        now = self.clock()

        async def body() -> None:
            await self._choose_if_needed(now)
            await self._in_thread(lambda c: jobs.settle(c, now))

        await self._job("settle", body())

    async def job_refresh(self) -> None:
        now = self.clock()

        async def body() -> None:
            if jobs.module_exists(jobs.REFRESH_MODULE):
                await self._child(["-m", CHILD_MODULE, "refresh"], REFRESH_TIMEOUT_S, now)

        await self._job("refresh", body())

    async def job_generate(self) -> None:
        now = self.clock()

        async def body() -> None:
            if jobs.module_exists(jobs.GENERATE_MODULE):
                # Its own thread, not the job pool: a generation may wait minutes on a model.
                summary = await asyncio.to_thread(jobs.generate, now)
                if summary.get("error"):
                    log.warning("generation failed: %s", summary["error"])

        await self._job("generate", body())

    async def job_maintain(self) -> None:
        await self._job("maintain", self._in_thread(jobs.maintain))

    # --- button presses ---------------------------------------------------------------

    def _on_reaction(self, tip_id: str, reaction: str) -> None:
        """Called on the loop by the notifier; the store work runs in the job pool."""
        loop = self._loop
        if loop is None:
            return

        async def record() -> None:
            now = self.clock()
            try:
                args = ["-m", CHILD_MODULE, "react", tip_id, reaction]
                code = await self._child(args, CHOOSE_TIMEOUT_S, now)
                if code != 0:
                    log.info(
                        "button %s for tip %s not recorded (child exit %s)", reaction, tip_id, code
                    )
            except Exception as exc:
                log_failure(f"recording {reaction} for tip {tip_id}", exc)
            self.write_status()

        loop.create_task(record())

    # --- status -----------------------------------------------------------------------

    def write_status(self, *, stopped: bool = False) -> None:
        next_jobs = []
        if self.scheduler is not None and not stopped:
            for job in sorted(self.scheduler.get_jobs(), key=lambda j: j.next_run_time):
                if job.next_run_time is not None:
                    next_jobs.append({"id": job.id, "next_run": iso(job.next_run_time)})
        state = self.notifier.state
        info: dict[str, Any] = {
            "pid": os.getpid(),
            "started_at": iso(self.started_at) if self.started_at else None,
            "written_at": iso(self.clock()),
            "stopped_at": iso(self.clock()) if stopped else None,
            "next_jobs": next_jobs,
            "runs": dict(self.runs),
            "notifications": {"available": state.available, "detail": state.detail},
        }
        if os.environ.get("OO_DEBUG"):
            info["modules"] = sorted(sys.modules)
        try:
            status.write(info)
        except OSError as exc:
            log.warning("cannot write %s: %s", status.status_path(), exc)


def _migrate_in_a_child() -> None:
    """Apply pending migrations in a short child process: sqlite-utils (and what it pulls in)
    then never loads in the resident daemon. Any error is the daemon's own to report when it
    opens the store itself."""
    from oo.store.db import open_existing

    with contextlib.suppress(Exception):
        conn = open_existing()
        if conn is not None:  # already at this oO's schema
            conn.close()
            return
    code = "from oo.store.db import open_store; open_store().close()"
    subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, timeout=120)


def run() -> None:
    """The foreground daemon (`oo daemon run`, what the user service starts)."""
    logging.basicConfig(
        level=logging.DEBUG if os.environ.get("OO_DEBUG") else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not os.environ.get("OO_DEBUG"):
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    _migrate_in_a_child()
    seed = os.environ.get("OO_DAEMON_SEED")
    rng = random.Random(int(seed)) if seed else None
    daemon = Daemon(rng=rng)
    asyncio.run(daemon.run_until_signal())
    if daemon.busy_threads():
        # A job still in a network call: its transaction rolls back; do not wait for it.
        logging.shutdown()
        os._exit(0)
