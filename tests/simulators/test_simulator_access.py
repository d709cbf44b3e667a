"""The simulators' staff pages (dashboards, their forms, fault injection) are a Supervisor's; their machine endpoints
(the fake APIs the WMS calls) answer only their own key auth. Every URL of both simulators' URLconfs is checked, so a
page added later is covered."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import UserFactory
from wms.core.roles import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("simulator_urls")]

PREFIXES = ("simulators/onewarehouse/", "simulators/one/")


def _patterns(resolver, prefix=""):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, route)
        elif isinstance(entry, URLPattern) and route.startswith(PREFIXES):
            yield route, entry.callback


def simulator_urls():
    """(url, view) of every simulator URL, path converters filled with a sample value."""
    found = []
    for route, view in _patterns(get_resolver("tests.simulators.urls")):
        found.append(("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"sample", route), view))
    return found


def test_the_url_list_is_complete():
    urls = dict(simulator_urls())
    assert {"/simulators/one/", "/simulators/one/faults", "/simulators/one/reservations",
            "/simulators/onewarehouse/", "/simulators/onewarehouse/scenario",
            "/simulators/onewarehouse/faults"} <= urls.keys()
    assert any("stocks-for-one-product" in url for url in urls)
    assert any("outbound-orders/label" in url for url in urls)


@pytest.mark.parametrize("role", [Role.RECEIVER, Role.PICKER])
@pytest.mark.parametrize("method", ["get", "post"])
def test_simulator_pages_refuse_staff_without_the_supervisor_role(client, role, method):
    client.force_login(UserFactory(roles=[role]))
    checked = 0
    for url, view in simulator_urls():
        response = getattr(client, method)(url)
        if getattr(view, "supervisor_only", False):
            checked += 1
            assert response.status_code == 403, (url, response.status_code)
        else:
            # A machine endpoint: without its own key (ONE's headers, OneWarehouse's signature) a staff session
            # gets nothing from it (401, 404 for an unknown label, 405 for the wrong method).
            assert response.status_code in (401, 404, 405), (url, response.status_code)
    assert checked >= 6


@pytest.mark.parametrize("method", ["get", "post"])
def test_simulator_pages_send_anonymous_visitors_to_the_login(client, method):
    for url, view in simulator_urls():
        if getattr(view, "supervisor_only", False):
            response = getattr(client, method)(url)
            assert response.status_code == 302 and "/admin/login/" in response["Location"], url


def test_simulator_pages_serve_a_supervisor(client):
    client.force_login(UserFactory(roles=[Role.SUPERVISOR]))
    for url, view in simulator_urls():
        if not getattr(view, "supervisor_only", False):
            continue
        get, post = client.get(url), client.post(url)
        # A dashboard answers GET; a form answers POST by going back to its dashboard (POST-only forms: 405 on GET).
        assert get.status_code in (200, 405), url
        assert (post.status_code == 302 and "/admin/login/" not in post["Location"]) or post.status_code in (
            200, 405), url
        assert 200 in (get.status_code, post.status_code) or post.status_code == 302, url
