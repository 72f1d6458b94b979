"""`contacts.id` in, or not in, a set of contact ids read from another table, written so that each
database answers it from indexes in one pass over the set rather than one probe per contact.

- in: `contacts.id IN (SELECT contact_id FROM t WHERE ...)`. SQLite runs the subquery once
  (reading contacts by rowid for each id, or probing an ephemeral index); PostgreSQL plans a
  semi-join. A correlated EXISTS costs SQLite a subquery run per contact (2-5 us each: half a
  second for 100,000 contacts).
- with a row: `EXISTS (... WHERE t.contact_id = contacts.id ...)`, one index probe per contact,
  for a set of rows too big to list (most sent emails), through an index that starts with
  `contact_id` and holds the other columns compared (about 0.6 us a contact on SQLite).
- not in: `NOT EXISTS (... WHERE t.contact_id = contacts.id)` on PostgreSQL, which plans an
  anti-join; a `NOT IN` there is a hashed subplan only while the set fits in work_mem, and a scan
  of the whole set for every contact beyond. SQLite gets `NOT IN (...)` (always one ephemeral
  index), with NULL ids left out of the set, where they would make `NOT IN` match nobody.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, exists, not_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlmodel import col

from campaign_dashboard.models import Contact


def among(contact_id: ColumnElement[Any], *where: ColumnElement[bool]) -> ColumnElement[bool]:
    """The contact's id is one of `contact_id` in the rows matching `where`."""
    return col(Contact.id).in_(select(contact_id).where(*where))


def with_row(contact_id: ColumnElement[Any], *where: ColumnElement[bool]) -> ColumnElement[bool]:
    """The contact has a row (`contact_id` is theirs) matching `where`: probed per contact."""
    return exists().where(contact_id == col(Contact.id), *where)


def not_among(contact_id: ColumnElement[Any], *where: ColumnElement[bool]) -> ColumnElement[bool]:
    """The contact's id is none of `contact_id` in the rows matching `where`."""
    return _NotAmong(contact_id, where)


class _NotAmong(ColumnElement[bool]):
    type = Boolean()
    inherit_cache = False  # compiled per database below; not worth a cache key

    def __init__(self, contact_id: ColumnElement[Any], where: tuple[ColumnElement[bool], ...]) -> None:
        self.contact_id = contact_id
        self.where = where


@compiles(_NotAmong)
def _not_exists(element: _NotAmong, compiler, **kw) -> str:
    condition = not_(exists().where(element.contact_id == col(Contact.id), *element.where))
    return compiler.process(condition, **kw)


@compiles(_NotAmong, "sqlite")
def _not_in(element: _NotAmong, compiler, **kw) -> str:
    ids = select(element.contact_id).where(element.contact_id.is_not(None), *element.where)
    return compiler.process(not_(col(Contact.id).in_(ids)), **kw)
