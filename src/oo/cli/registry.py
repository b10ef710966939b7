"""The static command registry: name -> (module:function, help).

The help here is each command's only help text: the runner gives it to the command, and
`oo --help` lists its first sentence without importing any command module.
"""

COMMANDS: dict[str, tuple[str, str]] = {
    "tip": ("oo.cli.tip:tip", "Show the current tip."),
    "done": ("oo.cli.react:done", "You did it: record that and show the next tip."),
    "useful": ("oo.cli.react:useful", "The tip helped: record that and show the next tip."),
    "later": (
        "oo.cli.react:later",
        "Bring the tip back later: 1h (default), 30m, 2h30m, 1d, tonight or tomorrow.",
    ),
    "dismiss": ("oo.cli.react:dismiss", "Not for you: record that and show the next tip."),
    "history": (
        "oo.cli.history:history",
        "The tips you have seen and what you did with them, newest first.",
    ),
    "mood": ("oo.cli.mood:mood", "Record how you feel, 1 (low) to 5 (high)."),
    "habit": ("oo.cli.habit:app", "Add, check off, list and remove habits."),
    "status": (
        "oo.cli.status:status",
        "Where your data lives, its size, sources and what left this machine.",
    ),
    "export": ("oo.cli.export:export", "Everything oO holds, as JSON Lines."),
    "forget": (
        "oo.cli.forget:forget",
        "Delete everything oO holds: signals, habits, tips, history and logs.",
    ),
    "privacy": (
        "oo.cli.privacy:app",
        "What oO holds, who agreed to what, and what left this machine.",
    ),
    "events": (
        "oo.cli.events:events_command",
        "The event log: what oO recorded, oldest first (the newest N); --follow tails it.",
    ),
    "consent": ("oo.cli.consent:app", "Read consent texts and withdraw consent."),
    "daemon": (
        "oo.cli.daemon:app",
        "The background scheduler that delivers well-timed tips as notifications.",
    ),
    "connect": (
        "oo.cli.connect:connect",
        "Connect a source: Todoist, a calendar, CalDAV or a plugin's. Its token, password or"
        " secret URL goes to the OS keyring only.",
    ),
    "sync": ("oo.cli.sync:sync", "Pull your connected sources now."),
    "disconnect": (
        "oo.cli.disconnect:disconnect",
        "Revoke a source and delete its data. The token is revoked at the provider and"
        " deleted from the keyring, with the items and tips made from the source; its"
        " history stays (`oo forget --source` deletes that too).",
    ),
    "config": (
        "oo.cli.config:app",
        "Show and change settings (model aliases, notification limits).",
    ),
    "llm": (
        "oo.cli.llm:app",
        "Test and run the LLM tip generator; store API keys in the OS keyring.",
    ),
    "watch": (
        "oo.cli.watch:watch",
        "The full-screen watch face: the current tip on a black screen; q quits.",
    ),
    "why": (
        "oo.cli.why:why",
        "Why this tip: the signals used and each feature term's contribution, largest first.",
    ),
    "policy": (
        "oo.cli.policy:app",
        "The policies behind the tips: list, evaluate off-line, promote, simulate.",
    ),
}
