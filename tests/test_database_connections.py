"""PostgreSQL connections are bounded in every process: each borrows from a pool of a fixed size.

Under `make run`'s threaded runserver each keep-alive connection has its own thread, and with CONN_MAX_AGE=60 each
thread kept a database connection between requests: 98 of PostgreSQL's 100 slots were taken. Every process now
borrows connections from a pool of DATABASE_POOL_MAX_SIZE (wms/settings.py) and gives them back at the end of
each request or task."""

import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.db import connection, connections, transaction
from django.test import Client

from tests.factories import UserFactory

REPO = Path(settings.BASE_DIR)
CLIENTS, REQUESTS_EACH = 40, 3


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def database_connections(monitor: psycopg.Connection) -> int:
    """Connections to the monitor's database other than the monitor, as PostgreSQL counts them. The monitor is
    one connection for the whole test: a backend that was just closed stays listed for a moment."""
    return monitor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND pid <> pg_backend_pid()").fetchone()[0]


def backends(monitor: psycopg.Connection) -> list[tuple]:
    """Who holds the other connections, for a failure's message: application, client port, state, age, query."""
    return monitor.execute("SELECT application_name, client_port, state, now() - backend_start, left(query, 80) "
                           "FROM pg_stat_activity WHERE datname = current_database() "
                           "AND pid <> pg_backend_pid()").fetchall()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: the pool is PostgreSQL's setting")
@pytest.mark.django_db(transaction=True)
def test_a_threaded_server_under_concurrent_keep_alive_clients_holds_no_more_connections_than_its_pool():
    bound = settings.DATABASES["default"]["OPTIONS"]["pool"]["max_size"]
    params = connection.settings_dict
    with psycopg.connect(host=params["HOST"], port=params["PORT"] or 5432, user=params["USER"],
                         password=params["PASSWORD"], dbname=params["NAME"], autocommit=True) as monitor:
        concurrent_clients_hold_at_most(bound, monitor)


def _checked_out(pool) -> int:
    stats = pool.get_stats()
    return stats.get("pool_size", 0) - stats.get("pool_available", 0)


def _foreign_backends(monitor: psycopg.Connection, pool) -> int:
    """Backends of the database that are not this process's pool: another process's, or one an earlier test's
    subprocess just closed (PostgreSQL lists it for a moment). Waited out for a while; any left are not counted
    against the pool."""
    deadline = time.monotonic() + 10  # a bound on waiting for a closing backend, not a speed assertion
    while True:
        foreign = database_connections(monitor) - pool.get_stats().get("pool_size", 0)
        if foreign <= 0 or time.monotonic() >= deadline:
            return max(foreign, 0)
        time.sleep(0.1)


def concurrent_clients_hold_at_most(bound: int, monitor: psycopg.Connection) -> None:
    """CLIENTS keep-alive clients at once against the server runserver uses; PostgreSQL, asked by ``monitor``
    all along, never sees more than ``bound`` connections, and every one is back in the pool afterwards."""
    login = Client()
    login.force_login(UserFactory(is_staff=True, is_superuser=True))
    cookie = f"sessionid={login.cookies['sessionid'].value}"
    connection.close()  # the test's own connection goes back to the pool too
    # Connections checked out before the server starts (a thread of an earlier test that never closed its own)
    # are not this test's to account for: only those taken by the server's threads must come back.
    held_before = _checked_out(connection.pool)
    foreign = _foreign_backends(monitor, connection.pool)

    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler)  # the server class runserver uses
    server.set_app(WSGIHandler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]

    seen, stop = [], threading.Event()

    def watch():
        seen.append(database_connections(monitor))
        while not stop.is_set():
            seen.append(database_connections(monitor))

    statuses, start = [], threading.Barrier(CLIENTS)

    def browse():
        # One keep-alive HTTP connection, so that one server thread serves all of this client's requests.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        start.wait()
        try:
            for _ in range(REQUESTS_EACH):
                conn.request("GET", "/admin/inventory/stockmove/", headers={"Cookie": cookie})
                response = conn.getresponse()
                response.read()
                statuses.append(response.status)
        finally:
            conn.close()

    watcher = threading.Thread(target=watch)
    watcher.start()
    clients = [threading.Thread(target=browse) for _ in range(CLIENTS)]
    try:
        for client in clients:
            client.start()
        for client in clients:
            client.join()
    finally:
        stop.set()
        watcher.join()
        server.shutdown()
        server.server_close()

    assert statuses == [200] * (CLIENTS * REQUESTS_EACH)
    assert max(seen) - foreign <= bound, (f"up to {max(seen)} connections ({foreign} not the pool's) for a pool of "
                                          f"{bound}: {backends(monitor)}")
    # Each server thread gave its connection back when its client left: none is held by a thread that is gone.
    pool = connection.pool
    deadline = time.monotonic() + 60  # a bound on waiting for the server threads to end, not a speed assertion
    while _checked_out(pool) > held_before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _checked_out(pool) <= held_before, pool.get_stats()
    assert database_connections(monitor) - foreign <= bound


def database_settings(**env) -> dict:
    """DATABASES["default"] as wms/settings.py builds it from ``env`` (in a fresh interpreter: settings are read
    once)."""
    probe = ("import json, django; from django.conf import settings; django.setup(); "
             "print(json.dumps(settings.DATABASES['default'], default=str))")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    out = subprocess.run([sys.executable, "-c", probe], env={**clean, "DJANGO_SETTINGS_MODULE": "wms.settings", **env},
                         cwd=REPO, capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


POSTGRES_URL = "postgres://wms@db.example.com:5432/wms"


def test_postgresql_connections_come_from_a_bounded_pool_and_never_persist():
    default = database_settings(DATABASE_URL=POSTGRES_URL)
    assert default["CONN_MAX_AGE"] == 0
    assert default["OPTIONS"]["pool"] == {"min_size": 0, "max_size": 8, "timeout": 30.0}
    sized = database_settings(DATABASE_URL=POSTGRES_URL, DATABASE_POOL_MAX_SIZE="3", DATABASE_POOL_TIMEOUT="5")
    assert sized["OPTIONS"]["pool"] == {"min_size": 0, "max_size": 3, "timeout": 5.0}
    unpooled = database_settings(DATABASE_URL=POSTGRES_URL, DATABASE_POOL_MAX_SIZE="0")  # e.g. behind PgBouncer
    assert "pool" not in unpooled.get("OPTIONS", {}) and unpooled["CONN_MAX_AGE"] == 0


def test_no_process_kind_runs_more_threads_at_the_database_than_a_pool_holds():
    """A thread beyond the pool would wait for a connection: each process kind of both Procfiles stays within it."""
    max_size = database_settings(DATABASE_URL=POSTGRES_URL)["OPTIONS"]["pool"]["max_size"]
    for procfile in ("Procfile", "Procfile.dev"):
        for line in (REPO / procfile).read_text().splitlines():
            if " worker " in line and "--pool=threads" in line:  # a prefork child is one thread
                assert int(re.search(r"--concurrency[= ](\d+)", line).group(1)) <= max_size, line
            if "gunicorn" in line:  # a sync gunicorn worker is one thread; --threads would be more
                threads = re.search(r"--threads[= ]\S*?(\d+)", line)
                assert threads is None or int(threads.group(1)) <= max_size, line


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's test database: PostgreSQL has row locks")
@pytest.mark.django_db(transaction=True)
def test_on_sqlite_another_threads_write_waits_for_the_test_threads_transaction_instead_of_failing():
    """The threads of a live server or a Celery worker write while the test thread holds a transaction. Django's
    in-memory shared-cache test database made them fail at once with "database table is locked" (table-level
    locks, no busy timeout); the test database is a file (tests/conftest.py) with wms/settings.py's timeout."""
    assert not connection.is_in_memory_db()
    errors, started = [], threading.Event()

    def other_thread_writes():
        try:
            started.set()
            with transaction.atomic():  # BEGIN IMMEDIATE: waits for the test thread's COMMIT
                Group.objects.create(name="written by the other thread")
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    with transaction.atomic():
        Group.objects.create(name="written by the test thread")
        other = threading.Thread(target=other_thread_writes)
        other.start()
        started.wait()
        time.sleep(0.3)  # the other thread meets the lock this transaction holds
    other.join()
    assert errors == []
    assert Group.objects.filter(name__startswith="written by the").count() == 2
