"""Cursors for the hot static SQL: the version in force, a checklist's read and its write.

Django sends parameters inside the SQL text (client-side binding) and keeps prepared statements
off, so that connection poolers in transaction mode work with any query. The few statements on
the API's hot paths are fixed strings with parameters, run on every request: on PostgreSQL they
go through `prepared_cursor()`, which sends parameters apart (server-side binding) and prepares
each statement once per connection, so PostgreSQL parses and plans it once rather than on every
request. Queries still pass Django's execute wrappers and, when queries are logged, its query log
(so the query-count tests count them).

Prepared statements live on the connection: behind PgBouncer in transaction mode that needs
PgBouncer 1.21 or later with max_prepared_statements set; otherwise DATABASE_PREPARED_STATEMENTS=false
turns them off (the statements are then sent as they are, parameters apart). Elsewhere (SQLite)
this is Django's own cursor.
"""

from __future__ import annotations

from contextlib import contextmanager, suppress

from django.conf import settings
from django.db import connection
from django.db.backends.utils import CursorDebugWrapper


def _prepared_cursor_class():
    import psycopg

    class PreparedCursor(psycopg.Cursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            if prepare is None:
                prepare = settings.DATABASE_PREPARED_STATEMENTS
            return super().execute(query, params, prepare=prepare, binary=binary)

    return PreparedCursor


_cursor_class = None


class _LoggedCursor(CursorDebugWrapper):
    """Django's query log reads the SQL from a client-side cursor; this one writes it out itself."""

    @contextmanager
    def debug_sql(self, sql=None, params=None, use_last_executed_query=False, many=False):
        if use_last_executed_query and not many:
            with suppress(Exception):  # a parameter the text form cannot show: the statement as written
                sql = connection.ops.compose_sql(sql.replace("%b", "%s"), params)
        with super().debug_sql(sql, params, use_last_executed_query=False, many=many):
            yield


def prepared_cursor():
    """A Django cursor (use it in a `with`) whose statements PostgreSQL prepares once per connection."""
    global _cursor_class
    if connection.vendor != "postgresql":
        return connection.cursor()
    if _cursor_class is None:
        _cursor_class = _prepared_cursor_class()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = _cursor_class(connection.connection)
    connection.validate_thread_sharing()
    return _LoggedCursor(raw, connection) if connection.queries_logged else connection.make_cursor(raw)
