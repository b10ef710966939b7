"""In-process keyring backends for the failure modes: memory (with Windows' size limit),
none, locked, and failing. The real Secret Service is used where the test needs a real one."""

from __future__ import annotations

from keyring import backend, errors


class MemoryKeyring(backend.KeyringBackend):
    priority = 1
    # Windows Credential Manager stores at most 2,560 bytes a credential (UTF-16).
    limit_bytes = 2560

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if len(password.encode("utf-16-le")) > self.limit_bytes:
            raise errors.PasswordSetError("the credential is too long")
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.store.pop((service, username), None) is None:
            raise errors.PasswordDeleteError("not found")


class LockedKeyring(backend.KeyringBackend):
    priority = 1

    def get_password(self, service: str, username: str) -> str | None:
        raise errors.KeyringLocked("the collection is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise errors.KeyringLocked("the collection is locked")

    def delete_password(self, service: str, username: str) -> None:
        raise errors.KeyringLocked("the collection is locked")


class FailingKeyring(backend.KeyringBackend):
    priority = 1

    def get_password(self, service: str, username: str) -> str | None:
        raise errors.KeyringError("the D-Bus call timed out")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise errors.KeyringError("the D-Bus call timed out")

    def delete_password(self, service: str, username: str) -> None:
        raise errors.KeyringError("the D-Bus call timed out")
