"""The plain forms of the everyday commands, answered without building typer's command line.

`oo mood 3`, `oo habit done NAME`, `oo habit list`, `oo history -n 5`, `oo why` and
`oo status --json` are what a person types every day. Building typer's command line costs
about as much as the command's own work, so `oo.cli.main` parses these plain forms here and
calls the command's own function (typer is imported lazily, see `oo.cli.lazy`). Anything
else (help, an unknown or repeated option, a missing or extra argument, a value that is not
plain) returns None and the full command line answers with typer's own messages.
tests/test_cli_direct.py checks that every form parses here exactly as typer parses it.
Standard library only (ADR 0070).
"""

from __future__ import annotations

from collections.abc import Callable

# (command words) -> (positional parameter names, {option: (parameter, kind)}), kind being
# "flag" (a boolean switch), "str" or "int" (a value in the next word).
FORMS: dict[tuple[str, ...], tuple[tuple[str, ...], dict[str, tuple[str, str]]]] = {
    ("mood",): (("score",), {"--note": ("note", "str")}),
    ("habit", "done"): (("name",), {}),
    ("habit", "list"): ((), {"--json": ("json", "flag")}),
    ("history",): (
        (),
        {"--limit": ("limit", "int"), "-n": ("limit", "int"), "--json": ("json", "flag")},
    ),
    ("why",): ((), {"--json": ("json", "flag"), "--tip": ("tip", "str")}),
    ("status",): ((), {"--json": ("json", "flag")}),
}


def parse(argv: list[str]) -> tuple[tuple[str, ...], dict[str, object]] | None:
    """The command words and keyword arguments of a plain form, or None."""
    words = next((w for w in FORMS if tuple(argv[: len(w)]) == w), None)
    if words is None:
        return None
    positional, options = FORMS[words]
    kwargs: dict[str, object] = {}
    values: list[str] = []
    rest = argv[len(words) :]
    i = 0
    while i < len(rest):
        word = rest[i]
        if word.startswith("-"):
            if word not in options:
                return None
            name, kind = options[word]
            if name in kwargs:
                return None
            if kind == "flag":
                kwargs[name] = True
            else:
                if i + 1 >= len(rest) or rest[i + 1].startswith("-"):
                    return None
                value = rest[i + 1]
                if kind == "int":
                    if not value.isascii() or not value.isdigit():
                        return None
                    kwargs[name] = int(value)
                else:
                    kwargs[name] = value
                i += 1
        else:
            values.append(word)
        i += 1
    if len(values) != len(positional):
        return None
    kwargs.update(zip(positional, values, strict=True))
    return words, kwargs


def route(argv: list[str]) -> Callable[[], None] | None:
    """The action for a plain form of an everyday command, or None for the full command line."""
    parsed = parse(argv)
    if parsed is None:
        return None
    words, kwargs = parsed
    return lambda: _run(words, kwargs)


def _run(words: tuple[str, ...], kwargs: dict[str, object]) -> None:
    if words == ("mood",):
        from oo.cli.mood import mood

        mood(**kwargs)  # type: ignore[arg-type]
    elif words == ("history",):
        from oo.cli.history import history

        history(**kwargs)  # type: ignore[arg-type]
    elif words == ("why",):
        from oo.cli.why import why

        why(**kwargs)  # type: ignore[arg-type]
    elif words == ("status",):
        from oo.cli.status import status

        status(**kwargs)  # type: ignore[arg-type]
    elif words == ("habit", "done"):
        habit_done(str(kwargs["name"]))
    elif words == ("habit", "list"):
        habit_list(as_json=bool(kwargs.get("json", False)))


# `oo habit` is a typer group built when its module is imported, so its two everyday
# subcommands live here, and `oo.cli.habit` calls them too.
def habit_done(name: str) -> None:
    from oo.cli import common
    from oo.engine import recommender
    from oo.store import signals

    now = common.now()
    with common.store() as conn:
        habit_id = signals.check_in(conn, name, now=now)
        recommender.settle_habit(conn, habit_id, done=True, now=now)
    print(f"Checked off {name.strip()!r}.")


def habit_list(*, as_json: bool) -> None:
    from oo.cli import common
    from oo.store import signals

    now = common.now()
    with common.store() as conn:
        habits = signals.habits(conn, now=now)
    if as_json:
        common.emit_json([h.to_dict(now) for h in habits])
        return
    if not habits:
        print("No habits yet. Add one with `oo habit add NAME`.")
    for h in habits:
        state = "done today" if h.done_today else ("due" if h.due(now) else "not due")
        print(f"{h.name}  (every {h.every}, {state})")
