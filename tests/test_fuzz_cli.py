"""Fuzzing every command's arguments, OO_NOW and config.toml: whatever a person types, oO
answers with a documented exit code; a refusal is one line on stderr, no traceback, and
leaves the database and every file oO owns as they were.

The command line runs in this process (`oo.cli.main`, as the `oo` script calls it), with
real UTF-8 streams like a terminal's, so hundreds of examples take seconds, not minutes.
"""

from __future__ import annotations

import io
import os
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import settle

# The exit codes the README documents: 0 done, 1 an error oO cannot get past (nothing to
# react to, a broken file, the store), 2 bad input or usage. 70 is oO's own bug.
DOCUMENTED = {0, 1, 2}

FUZZ = settings(
    max_examples=int(os.environ.get("OO_FUZZ_EXAMPLES", "15")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)

NUMBERS = st.sampled_from(
    [
        "0",
        "-1",
        "1",
        "3",
        "99999999999999999999",
        "18446744073709551616",
        "9223372036854775808",
        "1e309",
        "nan",
        "inf",
        "-0",
        "0x10",
        "٣",
    ]
)
NASTY = st.sampled_from(
    [
        "",
        " ",
        "99999999999999999999d",
        "99999999999999999999h",
        "999999999999m",
        "0m",
        "\x00",
        "\x1b[2J",
        "\udcff",  # an invalid UTF-8 byte in argv, as Python passes it on
        "é",
        "--",
        "-",
        "--json",
        "todoist",
        "calendar",
        "llm:full",
        "tonight",
        "tomorrow",
        "0001-01-01",
        "9999-12-31T23:59:59",
        "ü" * 300,
    ]
)
TEXT = st.one_of(NASTY, NUMBERS, st.text(max_size=12))
OPTIONS = st.sampled_from(
    [
        *("--json", "--tip", "--limit", "-n", "--note", "--every", "--since", "--type"),
        *("--source", "--out", "--remove", "--steps", "--seeds", "--yes", "--full", "--help"),
        "--bogus",
    ]
)
# Positional words, options alone, and options followed by a value (often a number).
WORDS = st.lists(
    st.one_of(
        TEXT.map(lambda word: [word]),
        OPTIONS.map(lambda option: [option]),
        st.tuples(OPTIONS, st.one_of(NUMBERS, TEXT)).map(list),
    ),
    max_size=3,
).map(lambda groups: [word for group in groups for word in group])

# Every command, with the subcommands that end (no `watch`, `daemon run`, `events --follow`,
# nothing that opens a browser, installs a service or stores a key in the keyring).
COMMANDS: dict[str, st.SearchStrategy[list[str]]] = {
    "tip": WORDS,
    "done": WORDS,
    "useful": WORDS,
    "dismiss": WORDS,
    "later": WORDS,
    "why": WORDS,
    "history": st.lists(st.one_of(st.just("--limit"), NUMBERS, TEXT), max_size=3),
    "mood": WORDS,
    "habit add": WORDS,
    "habit done": WORDS,
    "habit list": WORDS,
    "habit rm": WORDS,
    "status": WORDS,
    "privacy": WORDS,
    "privacy ledger": st.lists(st.one_of(st.just("--since"), TEXT, NUMBERS), max_size=3),
    "events": st.lists(st.one_of(st.sampled_from(["--limit", "--type"]), TEXT), max_size=3),
    "consent show": WORDS,
    "consent withdraw": WORDS,
    "forget": st.lists(st.one_of(st.just("--source"), TEXT), max_size=3),
    "config get": WORDS,
    "config set": WORDS,
    "config unset": WORDS,
    "policy list": WORDS,
    "policy eval": WORDS,
    "policy promote": WORDS,
    "policy shadow": WORDS,
    # A few simulated decisions at most (a valid run of the default 1,000 takes minutes).
    "policy sim": st.tuples(NUMBERS, NUMBERS).map(
        lambda n: ["--steps", n[0], "--seeds", n[1], "--no-peers"]
    ),
    "sync": WORDS,
    "disconnect": WORDS,
    "connect": st.lists(st.one_of(st.sampled_from(["--timeout", "--yes"]), TEXT), max_size=3),
    "daemon status": WORDS,
    "": WORDS,  # anything as the command itself
}


@dataclass
class Result:
    code: int
    out: str
    err: str


def run(argv: list[str], env: dict[str, str] | None = None) -> Result:
    """`oo ARGV` in this process, with UTF-8 streams like a terminal's (stdout strict, stderr
    with backslash escapes, as Python sets them up) and stdin at its end."""
    from oo.cli import main

    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_bytes, encoding="utf-8", errors="strict")
    err = io.TextIOWrapper(err_bytes, encoding="utf-8", errors="backslashreplace")
    saved = (sys.argv, sys.stdin, sys.stdout, sys.stderr)
    saved_env = {k: os.environ.get(k) for k in (env or {})}
    sys.argv = ["oo", *argv]
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(""), out, err
    os.environ.update(env or {})
    umask = os.umask(0o077)
    code: int | str | None = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    finally:
        out.flush()
        err.flush()
        sys.argv, sys.stdin, sys.stdout, sys.stderr = saved
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        os.umask(umask)
    number = code if isinstance(code, int) else (0 if code is None else 1)
    return Result(number, out_bytes.getvalue().decode(), err_bytes.getvalue().decode())


def snapshot(home: Path) -> dict[str, object]:
    """What oO holds: the database's rows and schema, and every other file's bytes."""
    state: dict[str, object] = {}
    for path in sorted(home.rglob("*")):
        if not path.is_file() or path.name.startswith("oo.db"):
            continue
        state[str(path.relative_to(home))] = path.read_bytes()
    database = home / "oo.db"
    if database.exists():
        with sqlite3.connect(database) as conn:
            state["oo.db"] = list(conn.iterdump())
        conn.close()
    return state


def check(argv: list[str], home: Path, env: dict[str, str] | None = None) -> Result:
    before = snapshot(home)
    result = run(argv, env)
    settle()  # a reaction's background catch-up, so the next snapshot is of a settled store
    shown = f"oo {argv!r} -> {result.code}: {result.err!r}"
    assert result.code in DOCUMENTED, shown
    assert "Traceback" not in result.err, shown
    if result.code != 0:
        err = result.err
        if argv[:1] == ["connect"] and "\n\noo: " in err:
            # By design (tests/test_consent_flow.py) a refused connect shows the consent text
            # it would need agreement to, then its one-line error.
            err = err.split("\n\n")[-1]
        assert err.startswith("oo: "), shown
        assert err.count("\n") == 1 and err.endswith("\n"), shown  # one line on a terminal
        assert snapshot(home) == before, f"{shown} changed what oO holds"
    return result


@pytest.fixture
def home(oo_home: Path) -> Iterator[Path]:
    """A data directory with a current tip, a habit and a mood."""
    for argv in (["tip"], ["habit", "add", "walk"], ["mood", "3"]):
        result = run(argv)
        assert result.code == 0, result.err
    settle()  # the standby `oo tip` draws in the background, before any snapshot
    yield oo_home


# Inputs that always run, besides the random ones: each ended in exit 70 once (issue 15).
KNOWN: dict[str, list[list[str]]] = {
    "later": [["99999999999999999999d"], ["999999999999h"], [""], ["\udcff"]],
    "history": [["--limit", "18446744073709551616"], ["--limit", "-1"]],
    "events": [["--limit", "18446744073709551616"]],
    "mood": [["99999999999999999999"], ["3", "--note", "\udcff"]],
    "habit add": [["\udcff"], ["walk", "--every", "99999999999999999999x/week"]],
    "policy sim": [["--steps", "18446744073709551616", "--seeds", "1", "--no-peers"]],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_any_arguments_end_in_a_documented_code(home: Path, command: str) -> None:
    @FUZZ
    @given(words=COMMANDS[command])
    def fuzz(words: list[str]) -> None:
        check([*command.split(), *words], home)

    for words in KNOWN.get(command, []):
        fuzz = example(words=words)(fuzz)
    fuzz()


@FUZZ
@example(fixed="0001-01-01", command=["tip"])
@example(fixed="9999-12-31T23:59:59+14:00", command=["later", "1h"])
@given(
    fixed=st.one_of(NASTY, NUMBERS, st.text(max_size=30)),
    command=st.sampled_from(
        [["tip"], ["done"], ["later", "1h"], ["mood", "4"], ["history"], ["why"], ["status"]]
    ),
)
def test_any_oo_now_ends_in_a_documented_code(home: Path, fixed: str, command: list[str]) -> None:
    if "\x00" in fixed or "\udcff" in fixed:
        return  # an environment variable cannot hold these
    check(command, home, env={"OO_NOW": fixed})


CONFIG_TEXT = st.one_of(
    st.binary(max_size=60),
    st.text(max_size=60).map(lambda t: t.encode()),
    st.builds(
        lambda section, key, value: f"[{section}]\n{key} = {value}\n".encode(),
        st.sampled_from(["notify", "llm", "http", "x"]),
        st.sampled_from(["daily_budget", "quiet_hours", "min_gap_minutes", "tip-generator"]),
        st.sampled_from(["99999999999999999999", "-1", '"x"', "1e309", "inf", "nan", "[]", "{}"]),
    ),
)


@FUZZ
@given(
    text=CONFIG_TEXT,
    command=st.sampled_from(
        [
            ["tip"],
            ["config", "list"],
            ["config", "get", "notify.daily_budget"],
            ["mood", "2"],
            ["status"],
            ["daemon", "status"],
            ["config", "set", "notify.daily_budget", "2"],
        ]
    ),
)
def test_any_config_file_ends_in_a_documented_code(
    home: Path, text: bytes, command: list[str]
) -> None:
    (home / "config.toml").write_bytes(text)
    check(command, home)


def test_the_reported_inputs_are_one_clear_line_and_exit_2(home: Path) -> None:
    """The inputs issue 15 found ending in exit 70, a traceback or a silent success."""
    for argv, env, says in [
        (["later", "99999999999999999999d"], {}, "at most 30 days"),
        (["history", "--limit", "18446744073709551616"], {}, "--limit takes"),
        (["events", "--limit", "18446744073709551616"], {}, "--limit takes"),
        (["tip"], {"OO_NOW": "0001-01-01"}, "OO_NOW must be"),
        (["mood", "3"], {"OO_NOW": "9999-12-31T23:59:59"}, "OO_NOW must be"),
        (["later", ""], {}, "cannot read ''"),
    ]:
        result = check(argv, home, env)
        assert (result.code, result.out) == (2, ""), (argv, result)
        assert says in result.err, (argv, result.err)


def test_a_config_that_is_not_utf8_is_one_line(home: Path) -> None:
    (home / "config.toml").write_bytes(b'[notify]\nquiet_hours = "22:00\xff-08:00"\n')
    result = check(["config", "list"], home)
    assert result.code == 1
    assert (
        result.err == f"oo: {home / 'config.toml'} is not UTF-8 text (byte 29); fix or remove it\n"
    )
