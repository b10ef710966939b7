"""`oo status`: where the data lives, its size, schema, sources, egress and the current tip."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from oo import __version__, clock, paths
from oo.cli import common
from oo.cli.lazy import typer
from oo.connectors import freshness
from oo.engine.tips import TIP_COLUMNS, tip_dict
from oo.llm import status as llm_status
from oo.privacy import egress
from oo.store.db import schema_version

COUNTED = ("events", "tips", "moods", "habits", "habit_checkins", "egress")
UNLEARNED_AFTER = timedelta(minutes=5)  # a catch-up takes a second; this one did not run


def collect() -> dict[str, Any]:
    db_file = paths.db_path()
    with common.store() as conn:
        counts = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in COUNTED}
        counts["tips"] -= conn.execute(  # the standby is not a tip yet
            "SELECT COUNT(*) FROM tips WHERE status = 'standby'"
        ).fetchone()[0]
        now = common.now()
        # Reactions the background catch-up should have learned by now (oo.engine.catchup).
        unlearned = conn.execute(
            "SELECT COUNT(*) FROM rewards r JOIN tips t ON t.id = r.tip_id"
            " WHERE r.settled_at IS NULL AND t.status NOT IN ('current', 'standby')"
            " AND t.reacted_at < ?",
            (clock.iso(now - UNLEARNED_AFTER),),
        ).fetchone()[0]
        # Every connected source, whatever connector it came from; its cursor stays inside.
        sources = [
            freshness.describe(r, now)
            for r in conn.execute(
                "SELECT name, account, connected_at, last_success, last_error,"
                " freshness_target_s FROM sources ORDER BY name"
            )
        ]
        current = conn.execute(f"SELECT {TIP_COLUMNS} FROM tips WHERE status = 'current'")
        row = current.fetchone()
        version = schema_version(conn)
        ledger = egress.summary(conn)
        from oo.daemon.status import summary as daemon_summary

        daemon = daemon_summary(conn)
        generator = llm_status.summary(conn)
    size = sum(p.stat().st_size for p in paths.owned_files())
    return {
        "oo_version": __version__,
        "data_dir": str(paths.home()),
        "database": str(db_file),
        "size_bytes": size,
        "schema_version": version,
        "counts": counts,
        "sources": sources,
        "egress": ledger,
        "current_tip": None if row is None else tip_dict(row),
        "daemon": daemon,
        "generator": generator,
        "unlearned_reactions": unlearned,
    }


def status(json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    info = collect()
    if json:
        common.emit_json(info)
        return
    counts = info["counts"]
    print(f"oO {info['oo_version']}, schema {info['schema_version']}")
    print(f"Data:     {info['data_dir']} ({info['size_bytes'] / 1024:.0f} KiB)")
    print(
        f"Holds:    {counts['tips']} tips, {counts['moods']} moods, {counts['habits']} habits,"
        f" {counts['events']} events"
    )
    if info["sources"]:
        for s in info["sources"]:
            print(f"Source:   {freshness.line(s)}")
    else:
        print("Sources:  none connected; everything stays on this machine")
    if info["egress"]:
        for e in info["egress"]:
            print(
                f"Egress:   {e['host']} ({e['purpose']}): {e['requests']} requests,"
                f" {e['bytes_out']} B out, {e['bytes_in']} B in"
            )
    else:
        print("Egress:   nothing has left this machine")
    for line in llm_status.describe(info["generator"]):
        print(f"LLM:      {line}")
    tip = info["current_tip"]
    print(f"Tip:      {tip['text'] if tip else 'none chosen yet'}")
    if info["unlearned_reactions"]:
        n = info["unlearned_reactions"]
        print(
            f"Learning: {n} {'reaction' if n == 1 else 'reactions'} not learned yet (the"
            " background catch-up did not finish); the next tip oO chooses learns them first"
        )
    from oo.daemon.status import lines as daemon_lines

    for line in daemon_lines(info["daemon"]):
        print(line)
