"""Event contracts. The generated code lives in `oo.events.v1` and is never edited by hand;
regenerate it with `scripts/gen-proto` after changing `proto/`."""
