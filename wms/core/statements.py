"""The hot paths' writes as SQL built once per process instead of compiled by the ORM on every call.

The ORM compiles each statement anew: it resolves expressions, quotes names and walks the fields for every call.
For a push to the intake that was more Python time than the database's own work (about 0.5 ms of CPU per
statement against 0.15 ms for the same statement sent as text). Here a statement's text is built once per shape
(model, fields, number of rows, database vendor) from the models' metadata, so no table or column name is written
by hand, and each call only prepares its values as Django does (``Field.pre_save`` and ``Field.get_db_prep_save``).

- ``rows_insert``: new rows of one model in one ``INSERT ... RETURNING`` (their primary keys are set), what
  ``bulk_create`` does, without its per-call compilation. Like ``bulk_create``, no ``pre_save``/``post_save``
  signal is sent.
- ``rows_update``: some columns of rows already read (and locked), one ``UPDATE ... CASE`` statement, what
  ``bulk_update`` does.
- ``lock_clause``: the ``FOR ...`` clause of a hand-written ``SELECT`` that locks as ``wms.core.db`` says.

A read written as SQL (the intake's, the stock levels') goes through ``Model.objects.raw``, which applies the
database's converters to its columns.
"""

import threading
from collections.abc import Callable, Sequence

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

# Statements of up to this many rows are kept once built; a larger batch (a big receipt, a count) is rare enough
# to build its text each time (``rows_insert`` and ``rows_update`` hand it to ``bulk_create``/``bulk_update``).
ROWS_KEPT_MAX = 32

_texts: dict[tuple, str] = {}
_texts_lock = threading.Lock()


def statement_text(key: tuple, build: Callable[[], str], *, rows: int = 1, using: str = DEFAULT_DB_ALIAS) -> str:
    """The statement ``build()`` makes, built once per ``key`` and database vendor (for ``rows`` up to
    ``ROWS_KEPT_MAX``: the number of shapes kept stays bounded)."""
    if rows > ROWS_KEPT_MAX:
        return build()
    key = (connections[using].vendor, *key)
    text = _texts.get(key)
    if text is None:
        with _texts_lock:
            text = _texts.setdefault(key, build())
    return text


def quoted(name: str, *, using: str = DEFAULT_DB_ALIAS) -> str:
    return connections[using].ops.quote_name(name)


def table(model: type[Model], *, using: str = DEFAULT_DB_ALIAS) -> str:
    return quoted(model._meta.db_table, using=using)


def _insert_fields(model: type[Model]) -> list:
    meta = model._meta
    if meta.auto_field is None:
        raise TypeError(f"rows_insert needs a model with an automatic primary key, not {meta.label}")
    return [f for f in meta.concrete_fields if f is not meta.auto_field and not f.generated]


def rows_insert(objs: Sequence[Model], *, using: str = DEFAULT_DB_ALIAS) -> list[Model]:
    """INSERT ``objs`` (new instances of one model, no primary key yet) in one statement and give each its primary
    key, in order. More than ``ROWS_KEPT_MAX`` rows go through ``bulk_create``; where the database cannot return
    new keys from a multi-row INSERT, each row is saved on its own (so every object always has its key)."""
    if not objs:
        return []
    model = type(objs[0])
    if any(type(obj) is not model for obj in objs):
        raise TypeError("rows_insert writes rows of one model at a time")
    connection = connections[using]
    if not connection.features.can_return_rows_from_bulk_insert:  # one INSERT each, which reads back its key
        for obj in objs:
            obj.save(force_insert=True, using=using)
        return list(objs)
    if len(objs) > ROWS_KEPT_MAX:
        return model._default_manager.db_manager(using).bulk_create(objs)
    fields = _insert_fields(model)
    pk = model._meta.pk

    def build() -> str:
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        columns = ", ".join(quoted(f.column, using=using) for f in fields)
        return (f"INSERT INTO {table(model, using=using)} ({columns}) VALUES {', '.join([row] * len(objs))} "
                f"RETURNING {quoted(pk.column, using=using)}")

    sql = statement_text(("insert", model._meta.label, len(objs)), build, using=using)
    params = []
    for obj in objs:
        if obj.pk is not None:
            raise ValueError(f"rows_insert writes new rows; {model._meta.label} {obj.pk} has a primary key")
        params.extend(f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        keys = [row[0] for row in cursor.fetchall()]
    for obj, key in zip(objs, keys, strict=True):
        obj.pk = key
        obj._state.adding, obj._state.db = False, using
    return list(objs)


def rows_update(objs: Sequence[Model], field_names: Sequence[str], *, using: str = DEFAULT_DB_ALIAS) -> int:
    """Write ``field_names`` of ``objs`` (rows of one model, read in this transaction) in one statement. Returns how
    many rows it changed."""
    if not objs or not field_names:
        return 0
    model = type(objs[0])
    if len(objs) > ROWS_KEPT_MAX:
        return model._default_manager.db_manager(using).bulk_update(objs, field_names)
    connection = connections[using]
    meta = model._meta
    fields = [meta.get_field(name) for name in field_names]
    cast = connection.features.requires_casted_case_in_updates

    def build() -> str:
        pk_column = quoted(meta.pk.column, using=using)
        whens = " ".join(["WHEN %s THEN %s"] * len(objs))
        sets = ", ".join(
            f"{quoted(f.column, using=using)} = "
            + (f"CAST(CASE {pk_column} {whens} END AS {f.cast_db_type(connection)})" if cast
               else f"CASE {pk_column} {whens} END")
            for f in fields)
        keys = ", ".join(["%s"] * len(objs))
        return f"UPDATE {table(model, using=using)} SET {sets} WHERE {pk_column} IN ({keys})"

    sql = statement_text(("update", meta.label, tuple(field_names), len(objs)), build, using=using)
    params = []
    for f in fields:
        for obj in objs:
            params += [obj.pk, f.get_db_prep_save(f.pre_save(obj, False), connection)]
    params += [obj.pk for obj in objs]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def lock_clause(model: type[Model], *, share: bool = False, using: str = DEFAULT_DB_ALIAS) -> str:
    """What a hand-written SELECT of ``model`` (not aliased in its FROM) ends with to lock its rows as ``wms.core.db``
    says: ``FOR NO KEY UPDATE`` of its own table (``lock_for_update``), or ``FOR SHARE``
    (``share``, which the ORM cannot say); nothing where the database has no row locks (SQLite)."""
    features = connections[using].features
    if not features.has_select_for_update:
        return ""
    strength = "SHARE" if share else ("NO KEY UPDATE" if features.has_select_for_no_key_update else "UPDATE")
    if not features.has_select_for_update_of:
        return f" FOR {strength}"
    return f" FOR {strength} OF {table(model, using=using)}"
