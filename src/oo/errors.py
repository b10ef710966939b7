"""The one exception type whose message is shown to a person as is."""


class OOError(Exception):
    """An error a person can act on: its message is one line, shown on stderr."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code
