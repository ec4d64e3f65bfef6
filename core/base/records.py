"""Loading a row for an edit, with the version the form loaded it at."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core.base.errors import Forbidden, NotFound, StaleEdit

Row = TypeVar("Row")


def load_for_edit(session: Session, model: type[Row], row_id: int, expected_version: int) -> Row:
    row = session.get(model, row_id, populate_existing=True)
    if row is None:
        raise NotFound(object=model.__tablename__, id=row_id)  # type: ignore[attr-defined]
    if row.version != expected_version:  # type: ignore[attr-defined]
        raise StaleEdit()
    return row


@contextmanager
def guarded_flush(session: Session) -> Iterator[None]:
    """Turn SQLAlchemy's version-mismatch error into the domain's StaleEdit."""
    yield
    try:
        session.flush()
    except StaleDataError as exc:
        raise StaleEdit() from exc


def snapshot(row: Any, fields: tuple[str, ...], extra: Callable[[Any], dict[str, Any]] | None = None) -> dict[str, Any]:
    values = {name: getattr(row, name) for name in fields}
    if extra:
        values.update(extra(row))
    return values


def load_visible(session: Session, actor: Any, action: str, model: type[Row], row_id: int) -> Row:
    """A live (not soft-deleted) row this user may `action`, else NotFound or Forbidden."""
    from core.base.permissions import can

    row = session.get(model, row_id)
    if row is None or getattr(row, "deleted_at", None) is not None:
        raise NotFound(object=model.__tablename__, id=row_id)  # type: ignore[attr-defined]
    if not can(actor, action, row):
        raise Forbidden(action=action)
    return row
