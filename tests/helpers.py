import socket
import threading
from pathlib import Path

import pytest
from django.db import close_old_connections, connection

from wms.core.actors import actor_system

REPO_ROOT = Path(__file__).resolve().parent.parent
# The contract's example payloads: the one copy in docs/, which the OpenAPI document shows too.
ONEWAREHOUSE_EXAMPLES = REPO_ROOT / "docs" / "contracts" / "onewarehouse" / "contract" / "examples"
ONEWAREHOUSE_FIELD_EXAMPLES = REPO_ROOT / "docs" / "contracts" / "onewarehouse" / "v20210901" / "examples"
ONEWAREHOUSE_URL = "https://ow-sandbox.test"  # where our callbacks and label requests go in tests

requires_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite has no row locks to race on"
)


def onewarehouse_callbacks_configure(settings, *, base_url: str) -> None:
    """Send OneWarehouse's callbacks to ``base_url`` with test keys (sandbox, md5 signatures), through its own
    senders: other tests put fake senders in the outbox registry and take them out."""
    from integrations.onewarehouse.senders import SENDERS
    from wms.outbox.registry import sender_register

    for kind, sender in SENDERS.items():
        sender_register(kind, sender)
    settings.ONEWAREHOUSE_ENV = "sandbox"
    settings.ONEWAREHOUSE_SIGNATURE_MODE = "md5"
    settings.ONEWAREHOUSE_KEYS = {
        "sandbox": {"push_app_key": "", "push_app_secret": "", "app_key": "cb-key",
                    "app_secret": "cb-secret-for-tests", "base_url": base_url},
        "production": {"push_app_key": "", "push_app_secret": "", "app_key": "", "app_secret": "", "base_url": ""},
    }


PUBLIC_IP = "93.184.215.14"  # a global address: what a real label host resolves to


def hosts_resolve(monkeypatch, table: dict[str, str | list[str]]) -> None:
    """Make the resolver answer ``table``'s addresses for its names (tests never depend on real DNS); other
    names resolve as usual (the live server's ``localhost``)."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in table:
            return real(host, port, *args, **kwargs)
        addresses = table[host] if isinstance(table[host], list) else [table[host]]
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (ip, port, 0, 0)) if ":" in ip
                else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)) for ip in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def in_thread(target):
    """Start ``target`` in a thread with its own database connection (closed at the end, so a connection pool gets
    it back); the returned dict gets ``value``: what it returned or the exception it raised."""
    outcome = {}

    def run():
        try:
            outcome["value"] = target()
        except Exception as exc:  # the test asserts on what each thread ended with
            outcome["value"] = exc
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def a_session_waits_for_a_lock() -> bool:
    """PostgreSQL: some session of this test's database is waiting for a lock (the race is set up)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0] > 0


def race(workers: int, target) -> list:
    """Run ``target(index)`` on ``workers`` threads released together, each with its own database connection;
    returns what each returned or raised, in the order they finished."""
    barrier = threading.Barrier(workers)
    results = []
    lock = threading.Lock()

    def run(index):
        try:
            barrier.wait()
            outcome = target(index)
        except Exception as exc:  # the outcome of each worker is what the test asserts on
            outcome = exc
        finally:
            close_old_connections()
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


# The actor of a test's setup steps (stock received, reserved, a mapping made) that no staff member takes.
TEST_ACTOR = actor_system("tests")
