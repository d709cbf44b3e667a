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
- ``rows_insert_linked`` (a row and the rows that point to it: an order and its lines, a push's log row and its
  order events) and ``rows_update_insert`` (the ledger's levels and its moves): two writes in one statement on
  PostgreSQL (a data-modifying ``WITH``), in two elsewhere. Each saves a round trip of every push.
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


def _model_of(objs: Sequence[Model]) -> type[Model]:
    model = type(objs[0])
    if any(type(obj) is not model for obj in objs):
        raise TypeError("rows_insert writes rows of one model at a time")
    return model


def _insert_prepared(objs: Sequence[Model], *, skip: str = "", using: str) -> tuple[str, str, list]:
    """(the INSERT's column list, its VALUES rows, their params) for new ``objs`` of one model; the column ``skip``
    (a link to a row written in the same statement) gets ``{link}`` in each row, for the caller to fill."""
    model = _model_of(objs)
    connection = connections[using]
    fields = _insert_fields(model)

    def build() -> str:
        row = "(" + ", ".join("{link}" if f.attname == skip else "%s" for f in fields) + ")"
        return ", ".join([row] * len(objs))

    columns = statement_text(("insert_columns", model._meta.label),
                             lambda: ", ".join(quoted(f.column, using=using) for f in fields), using=using)
    rows = statement_text(("insert_rows", model._meta.label, skip, len(objs)), build, rows=len(objs), using=using)
    params = []
    for obj in objs:
        if obj.pk is not None:
            raise ValueError(f"rows_insert writes new rows; {model._meta.label} {obj.pk} has a primary key")
        params.extend(f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields if f.attname != skip)
    return columns, rows, params


def _keys_set(objs: Sequence[Model], keys: list, *, using: str) -> None:
    for obj, key in zip(objs, keys, strict=True):
        obj.pk = key
        obj._state.adding, obj._state.db = False, using


def rows_insert(objs: Sequence[Model], *, using: str = DEFAULT_DB_ALIAS) -> list[Model]:
    """INSERT ``objs`` (new instances of one model, no primary key yet) in one statement and give each its primary
    key, in order. More than ``ROWS_KEPT_MAX`` rows go through ``bulk_create``; where the database cannot return
    new keys from a multi-row INSERT, each row is saved on its own (so every object always has its key)."""
    if not objs:
        return []
    model = type(objs[0])
    connection = connections[using]
    if not connection.features.can_return_rows_from_bulk_insert:  # one INSERT each, which reads back its key
        for obj in objs:
            obj.save(force_insert=True, using=using)
        return list(objs)
    if len(objs) > ROWS_KEPT_MAX:
        return _model_of(objs)._default_manager.db_manager(using).bulk_create(objs)
    columns, rows, params = _insert_prepared(objs, using=using)
    sql = (f"INSERT INTO {table(model, using=using)} ({columns}) VALUES {rows} "
           f"RETURNING {quoted(model._meta.pk.column, using=using)}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        _keys_set(objs, [row[0] for row in cursor.fetchall()], using=using)
    return list(objs)


def _together(connection, count: int) -> bool:
    """Several writes may go in one statement (PostgreSQL's data-modifying ``WITH``), for up to ``ROWS_KEPT_MAX``
    rows of each."""
    return connection.vendor == "postgresql" and 0 < count <= ROWS_KEPT_MAX


def rows_insert_linked(parent: Model, children: Sequence[Model], *, link: str,
                       using: str = DEFAULT_DB_ALIAS) -> Model:
    """INSERT ``parent`` and ``children`` (new rows of one model whose field ``link`` holds the parent's key: a
    foreign key to it, or a plain integer column) in one statement where the database can (PostgreSQL: the
    parent's INSERT in a ``WITH``, each child taking the key it returns), else in two. Every row gets its key, and
    each child's ``link`` the parent's."""
    connection = connections[using]
    if not children or not _together(connection, len(children)):
        rows_insert([parent], using=using)
        for child in children:
            setattr(child, type(child)._meta.get_field(link).attname, parent.pk)
        rows_insert(children, using=using)
        return parent
    child_model = type(children[0])
    attname = child_model._meta.get_field(link).attname
    parent_columns, parent_rows, parent_params = _insert_prepared([parent], using=using)
    child_columns, child_rows, child_params = _insert_prepared(children, skip=attname, using=using)
    parent_pk = quoted(type(parent)._meta.pk.column, using=using)
    sql = (f"WITH parent AS (INSERT INTO {table(type(parent), using=using)} ({parent_columns}) VALUES {parent_rows} "
           f"RETURNING {parent_pk}) "
           f"INSERT INTO {table(child_model, using=using)} ({child_columns}) "
           f"VALUES {child_rows.format(link=f'(SELECT {parent_pk} FROM parent)')} "
           f"RETURNING {quoted(child_model._meta.pk.column, using=using)}, "
           f"{quoted(child_model._meta.get_field(link).column, using=using)}")
    with connection.cursor() as cursor:
        cursor.execute(sql, parent_params + child_params)
        returned = cursor.fetchall()
    _keys_set([parent], [returned[0][1]], using=using)
    _keys_set(children, [row[0] for row in returned], using=using)
    for child in children:
        setattr(child, attname, parent.pk)
    return parent


def _update_prepared(objs: Sequence[Model], field_names: Sequence[str], *, using: str) -> tuple[str, list]:
    model = type(objs[0])
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

    sql = statement_text(("update", meta.label, tuple(field_names), len(objs)), build, rows=len(objs), using=using)
    params = []
    for f in fields:
        for obj in objs:
            params += [obj.pk, f.get_db_prep_save(f.pre_save(obj, False), connection)]
    params += [obj.pk for obj in objs]
    return sql, params


def rows_update(objs: Sequence[Model], field_names: Sequence[str], *, using: str = DEFAULT_DB_ALIAS) -> int:
    """Write ``field_names`` of ``objs`` (rows of one model, read in this transaction) in one statement. Returns how
    many rows it changed."""
    if not objs or not field_names:
        return 0
    if len(objs) > ROWS_KEPT_MAX:
        return type(objs[0])._default_manager.db_manager(using).bulk_update(objs, field_names)
    sql, params = _update_prepared(objs, field_names, using=using)
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def rows_update_insert(updated: Sequence[Model], field_names: Sequence[str], inserted: Sequence[Model], *,
                       using: str = DEFAULT_DB_ALIAS) -> list[Model]:
    """``rows_update(updated, field_names)`` and ``rows_insert(inserted)`` (rows of another model, which do not
    point to the updated ones) in one statement where the database can (PostgreSQL: the UPDATE in a ``WITH``), else
    in two; returns the inserted rows with their keys. The ledger's levels and moves go this way."""
    connection = connections[using]
    if not (updated and field_names and inserted) or not _together(connection, max(len(updated), len(inserted))):
        rows_update(updated, field_names, using=using)
        return rows_insert(inserted, using=using)
    update_sql, update_params = _update_prepared(updated, field_names, using=using)
    model = type(inserted[0])
    columns, rows, params = _insert_prepared(inserted, using=using)
    sql = (f"WITH updated AS ({update_sql}) INSERT INTO {table(model, using=using)} ({columns}) VALUES {rows} "
           f"RETURNING {quoted(model._meta.pk.column, using=using)}")
    with connection.cursor() as cursor:
        cursor.execute(sql, update_params + params)
        _keys_set(inserted, [row[0] for row in cursor.fetchall()], using=using)
    return list(inserted)


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
