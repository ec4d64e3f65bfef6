"""Domain errors. Each carries a translation key; the UI turns it into a message."""

from __future__ import annotations

from collections.abc import Callable
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


class NothingChanged(LinliError):
    """A save of a form whose values are those already saved: nothing is written."""

    key = "error.nothing_changed"


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


def collect(checks: list[Callable[[], Any]]) -> list[Any]:
    """Run every check; return their values, or raise one InvalidMany naming every refused field."""
    values, errors = [], []
    # Refusals are kept without their tracebacks: a traceback holds this frame, which holds
    # `errors`, a reference cycle per refused form or roster row that only the cycle collector
    # frees (an import pauses it: 100k refused rows once held ~0.5 GB until the import ended).
    for check in checks:
        try:
            values.append(check())
        except InvalidMany as many:
            errors.extend(error.with_traceback(None) for error in many.errors)
            values.append(None)
        except Invalid as exc:
            errors.append(exc.with_traceback(None))
            values.append(None)
    if errors:
        raise InvalidMany(errors)
    return values
