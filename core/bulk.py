"""Many new rows of one model in one PostgreSQL ``COPY`` (issue 15 item 3: liquidation in batches).

``bulk_create`` compiles every value of every row through the ORM (``pre_save``, ``get_db_prep_save``,
SQL quoting on the client): on a liquidation batch of a few hundred accounts, twenty rows each, that was
most of the batch's time. ``COPY`` hands the rows to psycopg's C dumpers as they are. What the ORM would
still do is done here: ``pre_save`` (``auto_now_add``), a foreign key set to an object saved since (its
id taken now), JSON through the field's own adapter. With ``ids`` the rows' ids are drawn from the
table's sequence first (one query), so others can refer to them, as ``bulk_create`` returns them.
No signals are sent (as with ``bulk_create``). Other databases (SQLite, the laptop default) go through
``bulk_create``; on PostgreSQL a few rows are one INSERT whose SQL is built once (an order's own rows, issue
15 item 2), as a ``COPY`` pays off only from some tens of rows.
``rows_update`` is the same for existing rows (the matcher's batch, issue 15 item 4): one UPDATE.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from django.db import connections, models, router

M = TypeVar("M", bound=models.Model)
COPY_FROM = 20  # rows: fewer go through bulk_create


def copy_supported(model: type[models.Model]) -> bool:
    return connections[router.db_for_write(model)].vendor == "postgresql"


def rows_copy(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence], *, json: Sequence[str] = ()
) -> None:
    """Raw rows (database values, in ``columns`` order) in one COPY: no model instance at all (PostgreSQL).
    The ``json`` columns' values are Python objects, sent as jsonb."""
    from psycopg.types.json import Jsonb

    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    wrapped = [i for i, column in enumerate(columns) if column in json]
    with connection.cursor() as cursor:
        statement = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
        with cursor.cursor.copy(statement) as copy:
            for row in rows:
                if wrapped:
                    row = list(row)
                    for i in wrapped:
                        row[i] = Jsonb(row[i])
                copy.write_row(row)


def rows_insert(objs: Sequence[M], *, ids: bool = False) -> list[M]:
    """Insert new model instances (all of one model); with ``ids``, each gets its id set.

    A few rows on PostgreSQL take one INSERT ... RETURNING id whose SQL is built once per model and row
    count (``_insert_values``), every row getting its id: an order's own rows (its order, trades and loan
    events) are one or two each, and ``bulk_create`` compiled each through the ORM anew."""
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql" or any(obj.pk is not None for obj in objs):
        return model._default_manager.bulk_create(objs, batch_size=2000)
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    if len(objs) < COPY_FROM:
        return _insert_values(connection, model, fields, objs)
    json = {f.attname for f in fields if isinstance(f, models.JSONField)}
    with connection.cursor() as cursor:
        if ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(objs)],
            )
            for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
                obj.pk = pk
            fields = [meta.pk, *fields]
        columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
        # What ``pre_save`` and ``get_db_prep_save`` would do, decided once per field rather than per value
        # (a batch's thousands of trades): most fields' value is just the attribute.
        attnames = [f.attname for f in fields]
        special = [(i, f) for i, f in enumerate(fields) if _needs_pre_save(f) or f.attname in json]
        foreign = [f for f in fields if isinstance(f, models.ForeignKey)]
        with cursor.cursor.copy(f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                _foreign_ids_take(obj, foreign)
                values = obj.__dict__
                row = [values[name] for name in attnames]
                for i, f in special:
                    value = f.pre_save(obj, add=True)
                    row[i] = f.get_db_prep_save(value, connection) if f.attname in json else value
                copy.write_row(row)
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias
    return objs


def _needs_pre_save(field: models.Field) -> bool:
    """Whether the field's ``pre_save`` is more than reading the attribute (``auto_now``, a file's save)."""
    return type(field).pre_save is not models.Field.pre_save


def _foreign_ids_take(obj: models.Model, fields: Sequence[models.Field]) -> None:
    """A foreign key set to an object saved since (``trade.entry = entry`` before the entry had an id):
    its id taken now, as ``save()`` and ``bulk_create`` take it."""
    for f in fields:
        if isinstance(f, models.ForeignKey) and getattr(obj, f.attname) is None and f.is_cached(obj):
            related = f.get_cached_value(obj)
            if related is not None:
                if related.pk is None:
                    raise ValueError(f"{type(obj).__name__}.{f.name}: the object it points at is unsaved")
                setattr(obj, f.attname, related.pk)


_INSERT_SQL: dict[tuple[type[models.Model], int], str] = {}


def _insert_values(connection: Any, model: type[M], fields: Sequence[models.Field], objs: list[M]) -> list[M]:
    """A few new rows in one INSERT ... VALUES ... RETURNING id, each value prepared as ``bulk_create``
    prepares it (``pre_save``, then ``get_db_prep_save``)."""
    key = (model, len(objs))
    sql = _INSERT_SQL.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        row = f"({', '.join(['%s'] * len(fields))})"
        sql = (
            f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(str(f.column)) for f in fields)}) "
            f"VALUES {', '.join([row] * len(objs))} RETURNING {quote(str(model._meta.pk.column))}"
        )
        _INSERT_SQL[key] = sql
    params: list[Any] = []
    for obj in objs:
        _foreign_ids_take(obj, fields)
        params.extend(f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        # PostgreSQL returns the rows of a multi-row VALUES in their order.
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias
    return objs


def array_literal(values: Iterable[Any]) -> str:
    """``values`` as PostgreSQL's text form of an array (``'{1,2.5,NULL,"a b"}'``), to be cast in the SQL
    (``%s::numeric[]``): psycopg's list dumper looks up a dumper per element in Python, about twice the CPU of
    one str per array (measured: five arrays of seven values, 120-160 us against 50-70 us).
    Numbers, booleans and None as they are; anything else (text, dates) quoted, ``"`` and ``\\`` escaped."""
    items = []
    for value in values:
        if value is None:
            items.append("NULL")
        elif isinstance(value, bool):
            items.append("t" if value else "f")
        elif isinstance(value, (int, Decimal)):
            if isinstance(value, Decimal) and not value.is_finite():
                raise ValueError(f"{value} is not a number an array of amounts can hold")
            items.append(str(value))
        else:
            text = str(value).replace("\\", "\\\\").replace('"', '\\"')
            items.append(f'"{text}"')
    return "{" + ",".join(items) + "}"


_CLAUSE_SQL: dict[tuple, str] = {}


def insert_clause(
    name: str, objs: Sequence[models.Model], *, refs: Mapping[str, str], connection: Any
) -> tuple[str, dict[str, str]]:
    """A WITH clause named ``name`` that inserts ``objs`` (new rows of one model, PostgreSQL) in their order
    and returns their ids, for a statement that writes other rows too (``ledger_post``): its SQL and its one
    parameter, the rows as a JSON array (``json_rows``) that ``jsonb_populate_recordset`` turns back into
    rows of the table's own type, values prepared as ``_insert_values`` prepares them. ``refs``: foreign keys
    (field names) whose value is the id of the single row of another WITH clause of that statement (field
    name -> clause name), taken there instead of from the objects.

    One parameter per clause, not one per column: psycopg parses a statement's placeholders once and keeps
    the result only for a statement of at most 50 parameters and 4096 bytes (psycopg._queries), and an
    order's statement with an array per column had 62 (issue 15: about a millisecond of parsing per order).
    Each value goes through its column type's input function with the column's length: a text too long
    for a varchar(n) is refused, never cut."""
    model = type(objs[0])
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key and f.name not in refs]
    key = (name, model, tuple(refs.items()))
    sql = _CLAUSE_SQL.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        for f in fields:
            _column_type(f, connection)  # refuses a JSON column: its value is an adapter, not JSON text
        targets = [_concrete(model, field_name) for field_name in refs]
        columns = [quote(str(f.column)) for f in [*targets, *fields]]
        # After "d." a column name needs no quotes, even a keyword's (PostgreSQL's attr_name is any ColLabel).
        values = [f"{clause}.id" for clause in refs.values()] + [f"d.{f.column}" for f in fields]
        sources = "".join(f"{clause}, " for clause in dict.fromkeys(refs.values()))
        sql = (
            f"{name} AS (INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) SELECT {', '.join(values)} "
            f"FROM {sources}jsonb_populate_recordset(NULL::{quote(meta.db_table)}, %({name})s::jsonb) "
            f"WITH ORDINALITY AS d ORDER BY d.ordinality RETURNING {quote(str(meta.pk.column))})"
        )
        _CLAUSE_SQL[key] = sql
    for obj in objs:
        _foreign_ids_take(obj, fields)
    rows = [{str(f.column): f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields} for obj in objs]
    return sql, {name: json_rows(rows)}


def json_rows(rows: Sequence[Mapping[str, Any]]) -> str:
    """Rows of database values as JSON text for ``jsonb_populate_recordset``: numbers as strings (a Decimal
    read back exactly by numeric's input; NaN and infinities refused), dates and times in ISO 8601."""
    return json.dumps(rows, default=_json_value, separators=(",", ":"))


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a number a row can hold")
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} cannot be written as a JSON row value")


def _column_type(field: models.Field, connection: Any) -> str:
    db_type = field.db_type(connection)
    if db_type is None or "json" in db_type:
        raise TypeError(f"{field} cannot be written through unnest")
    return db_type


def rows_update(model: type[models.Model], objs: Sequence[models.Model], field_names: Sequence[str]) -> None:
    """UPDATE ``field_names`` of ``objs`` (existing rows, by id) to their values on the objects, in one
    statement: one array per column that ``unnest`` turns back into rows (``bulk_update`` builds a
    ``CASE WHEN`` per row and field: seconds of Python for 10,000 orders, and a millisecond for one row).
    Other databases go through ``bulk_update``."""
    if not objs:
        return
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objs, list(field_names), batch_size=1000)
        return
    meta = model._meta
    fields = [_concrete(model, name) for name in field_names]
    pk, quote = meta.pk, connection.ops.quote_name
    assert isinstance(pk, models.Field)
    names = [f"c{i}" for i in range(len(fields))]
    sets = ", ".join(f"{quote(str(f.column))} = d.{name}" for f, name in zip(fields, names, strict=True))
    arrays = ", ".join(f"%s::{_column_type(f, connection)}[]" for f in [pk, *fields])
    params = [[obj.pk for obj in objs], *[_values(f, objs) for f in fields]]
    table = quote(meta.db_table)
    sql = (
        f"UPDATE {table} AS t SET {sets} FROM unnest({arrays}) AS d(id, {', '.join(names)}) "
        f"WHERE t.{quote(str(pk.column))} = d.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount != len({obj.pk for obj in objs}):
            raise RuntimeError(f"{model.__name__}: {len(objs) - cursor.rowcount} of the rows to update are gone")


def _concrete(model: type[models.Model], name: str) -> models.Field:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.concrete:
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return field


def _values(field: models.Field, objs: Sequence[models.Model]) -> list:
    """One column's values; an array takes one type, so a decimal field's ints (``locked_amount = 0``) are made
    Decimals."""
    values = [getattr(obj, field.attname) for obj in objs]
    if isinstance(field, models.DecimalField):
        return [None if v is None else field.to_python(v) for v in values]
    return values


def rows_upsert(
    model: type[models.Model],
    objs: Sequence[models.Model],
    *,
    unique_field: str,
    update_fields: Sequence[str],
) -> None:
    """INSERT ``objs`` (every concrete column as on the objects), or on a conflict on ``unique_field``
    UPDATE ``update_fields`` to the new row's, in one statement: ``bulk_create(update_conflicts=True)``'s
    SQL, with one array per column (``unnest``) rather than every value compiled through the ORM (a
    liquidation batch's, a sweep's hundreds of risk states). Other databases go through ``bulk_create``."""
    if not objs:
        return
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(
            objs,
            update_conflicts=True,
            unique_fields=[unique_field],
            update_fields=list(update_fields),
            batch_size=2000,
        )
        return
    quote = connection.ops.quote_name
    fields = list(model._meta.concrete_fields)
    columns = ", ".join(quote(str(f.column)) for f in fields)
    arrays = ", ".join(f"%s::{_column_type(f, connection)}[]" for f in fields)
    updates = ", ".join(
        f"{quote(str(column))} = EXCLUDED.{quote(str(column))}"
        for column in (_concrete(model, name).column for name in update_fields)
    )
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) SELECT * FROM unnest({arrays}) "
        f"ON CONFLICT ({quote(str(_concrete(model, unique_field).column))}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [_values(f, objs) for f in fields])
