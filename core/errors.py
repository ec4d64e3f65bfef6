"""Domain errors. Each carries a translation key; the UI turns it into a message."""

from __future__ import annotations

from typing import Any


class LinliError(Exception):
    key = "error.generic"

    def __init__(self, key: str | None = None, **params: Any) -> None:
        self.key = key or self.key
        self.params = params
        super().__init__(self.key, params)


class NotFound(LinliError):
    key = "error.not_found"


class Forbidden(LinliError):
    key = "error.forbidden"


class StaleEdit(LinliError):
    """Someone saved the record after this form loaded it; their change is kept."""

    key = "error.stale_edit"


class Invalid(LinliError):
    """Bad input for one field: `field` names it, `key` says why."""

    def __init__(self, field: str, key: str, **params: Any) -> None:
        self.field = field
        super().__init__(key, **params)


class InvalidMany(LinliError):
    """Several fields refused at once, so a form can mark each of them."""

    key = "error.invalid_form"

    def __init__(self, errors: list[Invalid]) -> None:
        self.errors = errors
        super().__init__()
