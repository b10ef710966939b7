"""The static command registry: name -> (module:function, one-line help).

`oo --help` lists commands from here without importing any command module.
"""

COMMANDS: dict[str, tuple[str, str]] = {
    "tip": ("oo.cli.tip:tip", "Show the current tip."),
    "done": ("oo.cli.react:done", "You did it: record that and show the next tip."),
    "useful": ("oo.cli.react:useful", "The tip helped: record that and show the next tip."),
    "later": ("oo.cli.react:later", "Bring the tip back later (1h, 30m, tonight, tomorrow)."),
    "dismiss": ("oo.cli.react:dismiss", "Not for you: record that and show the next tip."),
    "history": ("oo.cli.history:history", "The tips you have seen and what you did with them."),
    "mood": ("oo.cli.mood:mood", "Record how you feel, 1 (low) to 5 (high)."),
    "habit": ("oo.cli.habit:app", "Add, check off, list and remove habits."),
    "status": ("oo.cli.status:status", "Where your data lives, its size, sources and egress."),
    "export": ("oo.cli.export:export", "Everything oO holds, as JSON Lines."),
    "forget": ("oo.cli.forget:forget", "Delete everything oO holds."),
    "privacy": ("oo.cli.privacy:app", "What oO holds, who agreed to what, what left this machine."),
    "events": ("oo.cli.events:events_command", "The event log, readable; --follow tails it."),
    "consent": ("oo.cli.consent:app", "Read consent texts and withdraw consent."),
    "daemon": ("oo.cli.daemon:app", "Run, install or check the daemon that sends notifications."),
    "connect": (
        "oo.cli.connect:connect",
        "Connect Todoist, a calendar, CalDAV or a plugin's source.",
    ),
    "sync": ("oo.cli.sync:sync", "Pull your connected sources now."),
    "disconnect": ("oo.cli.disconnect:disconnect", "Revoke a source and delete its data."),
    "config": ("oo.cli.config:app", "Show and change settings (model aliases, notifications)."),
    "llm": ("oo.cli.llm:app", "Test and run the LLM tip generator; API keys in the keyring."),
    "watch": ("oo.cli.watch:watch", "The full-screen watch face."),
    "why": ("oo.cli.why:why", "Why this tip: the signals and each term's contribution."),
    "policy": ("oo.cli.policy:app", "Policies: list, eval (off-policy), promote, shadow, sim."),
}
