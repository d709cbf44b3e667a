"""Nothing in OneWarehouse's label answer is trusted (where the file is, its size, its kind).

Each refusal is permanent (``PermanentSendError``: the outbox marks the message dead at once, with the reason);
only a peer that is down or slow stays a retryable failure.
"""

import base64
import http.server
import io
import socket
import threading

import pytest
import requests
import responses
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from integrations.apilog.models import ApiExchange
from integrations.onewarehouse import downloads
from integrations.onewarehouse.client import CallFailed, OneWarehouseClient
from integrations.onewarehouse.downloads import LabelRefused
from tests.helpers import PUBLIC_IP, hosts_resolve
from wms.outbound.labels import label_kind_detect
from wms.outbox.registry import PermanentSendError

pytestmark = pytest.mark.django_db
BASE = "https://sandbox.ow.test"
LABEL_URL = BASE + "/openapi/wms/outbound-orders/label"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 32
ZPL = b"\r\n^XA^FO50,50^FDlabel^FS^XZ"
LIMIT = 4096


@pytest.fixture(autouse=True)
def config(settings, monkeypatch):
    settings.ONEWAREHOUSE_ENV = "sandbox"
    settings.ONEWAREHOUSE_SIGNATURE_MODE = "md5"
    settings.ONEWAREHOUSE_KEYS = {
        "sandbox": {"push_app_key": "", "push_app_secret": "", "app_key": "k", "app_secret": "s", "base_url": BASE},
        "production": {"push_app_key": "", "push_app_secret": "", "app_key": "", "app_secret": "", "base_url": ""},
    }
    settings.ONEWAREHOUSE_LABEL_HOSTS = ["files.ow.test"]
    settings.ONEWAREHOUSE_LABEL_ALLOW_PRIVATE = False
    settings.ONEWAREHOUSE_LABEL_MAX_BYTES = LIMIT
    settings.ONEWAREHOUSE_LABEL_MAX_REDIRECTS = 3
    settings.SIMULATORS_ENABLED = False
    hosts_resolve(monkeypatch, {"sandbox.ow.test": PUBLIC_IP, "files.ow.test": PUBLIC_IP})
    return settings


def answer(**data):
    return {"code": 0, "data": {"tracking_no": "T1", "label_format": "PDF", **data}}


def fetch(peer, **data):
    peer.add(responses.POST, LABEL_URL, json=answer(**data))
    return OneWarehouseClient().label_fetch(outbound_order_no="OB-1")


# --- where the file is --------------------------------------------------------------------------------------

@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "192.168.0.9", "169.254.169.254", "::1",
                                     "fe80::1", "::ffff:127.0.0.1", "0.0.0.0", "100.64.0.1", "224.0.0.1"])
def test_a_label_url_whose_host_resolves_to_a_non_public_address_is_refused_without_a_request(
        monkeypatch, address):
    hosts_resolve(monkeypatch, {"sandbox.ow.test": PUBLIC_IP, "files.ow.test": address})
    with responses.RequestsMock(assert_all_requests_are_fired=False) as peer:
        peer.add(responses.GET, "https://files.ow.test/l.pdf", body=PDF)
        with pytest.raises(LabelRefused, match="non-public address"):
            fetch(peer, label_url="https://files.ow.test/l.pdf")
        assert [call.request.method for call in peer.calls] == ["POST"]  # the file was never asked for


def test_one_internal_address_among_public_ones_refuses_the_host(monkeypatch):
    hosts_resolve(monkeypatch, {"sandbox.ow.test": PUBLIC_IP, "files.ow.test": [PUBLIC_IP, "127.0.0.1"]})
    with responses.RequestsMock(assert_all_requests_are_fired=False) as peer:
        with pytest.raises(LabelRefused, match=r"127\.0\.0\.1"):
            fetch(peer, label_url="https://files.ow.test/l.pdf")


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8000/admin/login/", "https://evil.test/l.pdf", "file:///etc/passwd", "ftp://files.ow.test/l",
    "https://user:pw@files.ow.test/l.pdf", "https://files.ow.test:99999/l.pdf", "//files.ow.test/l.pdf",
])
def test_a_label_url_off_the_allowed_hosts_or_not_http_is_refused(url):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as peer:
        with pytest.raises(LabelRefused):
            fetch(peer, label_url=url)
        assert len(peer.calls) == 1


def test_private_addresses_need_the_setting_and_link_local_stays_refused_even_then(settings, monkeypatch):
    settings.ONEWAREHOUSE_LABEL_ALLOW_PRIVATE = True
    hosts_resolve(monkeypatch, {"sandbox.ow.test": PUBLIC_IP, "files.ow.test": "127.0.0.1",
                                "meta.ow.test": "169.254.169.254"})
    settings.ONEWAREHOUSE_LABEL_HOSTS = ["files.ow.test", "meta.ow.test"]
    with responses.RequestsMock() as peer:
        peer.add(responses.GET, "https://files.ow.test/l.pdf", body=PDF)
        assert fetch(peer, label_url="https://files.ow.test/l.pdf")[1] == PDF
    with responses.RequestsMock(assert_all_requests_are_fired=False) as peer:
        with pytest.raises(LabelRefused, match=r"169\.254\.169\.254"):
            fetch(peer, label_url="https://meta.ow.test/l.pdf")


def test_the_simulators_host_is_allowed_only_while_the_simulators_are_on(settings):
    settings.SIMULATOR_WMS_BASE_URL = "http://sim.local:8000"
    assert "sim.local" not in downloads.label_hosts_allowed()
    settings.SIMULATORS_ENABLED = True
    assert downloads.label_hosts_allowed() == {"sandbox.ow.test", "files.ow.test", "sim.local"}


def test_a_redirect_to_an_internal_address_is_refused(settings, monkeypatch):
    settings.ONEWAREHOUSE_LABEL_HOSTS = ["files.ow.test", "cdn.ow.test"]
    hosts_resolve(monkeypatch, {"sandbox.ow.test": PUBLIC_IP, "files.ow.test": PUBLIC_IP, "cdn.ow.test": "10.0.0.7"})
    with responses.RequestsMock(assert_all_requests_are_fired=False) as peer:
        peer.add(responses.GET, "https://files.ow.test/l.pdf", status=302,
                 headers={"Location": "https://cdn.ow.test/l.pdf"})
        peer.add(responses.GET, "https://cdn.ow.test/l.pdf", body=PDF)
        with pytest.raises(LabelRefused, match=r"10\.0\.0\.7"):
            fetch(peer, label_url="https://files.ow.test/l.pdf")
        assert [call.request.url for call in peer.calls][1:] == ["https://files.ow.test/l.pdf"]


def test_a_redirect_off_the_allowed_hosts_is_refused():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as peer:
        peer.add(responses.GET, "https://files.ow.test/l.pdf", status=301,
                 headers={"Location": "http://127.0.0.1:8000/admin/login/"})
        with pytest.raises(LabelRefused, match=r"'127\.0\.0\.1' is not allowed"):
            fetch(peer, label_url="https://files.ow.test/l.pdf")
        assert len(peer.calls) == 2


def test_redirects_are_followed_each_checked_and_bounded():
    with responses.RequestsMock() as peer:
        peer.add(responses.GET, "https://files.ow.test/a", status=302, headers={"Location": "/b"})
        peer.add(responses.GET, "https://files.ow.test/b", status=307, headers={"Location": "https://sandbox.ow.test/c"})
        peer.add(responses.GET, "https://sandbox.ow.test/c", body=PDF)
        assert fetch(peer, label_url="https://files.ow.test/a")[1] == PDF
    with responses.RequestsMock(assert_all_requests_are_fired=False) as peer:
        peer.add(responses.GET, "https://files.ow.test/loop", status=302, headers={"Location": "/loop"})
        with pytest.raises(LabelRefused, match="more than 3 redirects"):
            fetch(peer, label_url="https://files.ow.test/loop")
        assert len(peer.calls) == 1 + 4


def test_the_connection_dials_only_the_address_it_checked_so_a_rebinding_name_cannot_reach_loopback(monkeypatch):
    """The name answers a public address to the first look-up and 127.0.0.1 to the next (DNS rebinding): the
    connection resolves once more, checks, refuses, and never opens a socket."""
    answers = iter([PUBLIC_IP, "127.0.0.1", "127.0.0.1"])
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host == "files.ow.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    dialled = []
    monkeypatch.setattr(downloads.urllib3_connection, "create_connection",
                        lambda address, *a, **k: dialled.append(address) or pytest.fail("dialled"))
    with pytest.raises(LabelRefused, match=r"non-public address \(127\.0\.0\.1\)"):
        downloads.label_download(url="http://files.ow.test/l.pdf", integration="onewarehouse", order_no="OB-1")
    assert dialled == []
    assert ApiExchange.objects.get().error.startswith("AddressRefusedError")  # the refused call is in the log


def test_the_download_connects_to_the_checked_address_and_keeps_the_host_name(settings, monkeypatch):
    """Over a real socket: the name is resolved by our check (to 127.0.0.1, allowed here), the connection goes to
    that address, and the request still names the host."""
    seen = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen["host"] = self.headers["Host"]
            self.send_response(200)
            self.send_header("Content-Length", str(len(PDF)))
            self.end_headers()
            self.wfile.write(PDF)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings.ONEWAREHOUSE_LABEL_ALLOW_PRIVATE = True
        settings.ONEWAREHOUSE_LABEL_HOSTS = ["labels.sim.test"]
        hosts_resolve(monkeypatch, {"labels.sim.test": "127.0.0.1"})
        content = downloads.label_download(url=f"http://labels.sim.test:{server.server_port}/l.pdf",
                                           integration="onewarehouse", order_no="OB-1")
    finally:
        server.shutdown()
        server.server_close()
    assert content == PDF and seen["host"] == f"labels.sim.test:{server.server_port}"


def test_proxies_from_the_environment_are_not_used(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://10.0.0.1:3128")
    assert downloads.download_session(integration="onewarehouse").trust_env is False


# --- its size ---------------------------------------------------------------------------------------------

class CountingRaw(io.RawIOBase):
    """A body that counts what was taken from it (responses streams a BufferedReader as is)."""

    def __init__(self, data):
        self.data, self.served = data, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        chunk = self.data[self.served:self.served + len(buffer)]
        buffer[:len(chunk)] = chunk
        self.served += len(chunk)
        return len(chunk)


def counting_body(data):
    raw = CountingRaw(data)
    return raw, io.BufferedReader(raw, buffer_size=1)


def test_an_oversize_download_is_refused_while_streaming_after_at_most_limit_plus_one_bytes():
    raw, body = counting_body(b"%PDF-" + b"x" * (LIMIT * 10))
    with responses.RequestsMock() as peer:
        peer.add(responses.GET, "https://files.ow.test/big.pdf", body=body, auto_calculate_content_length=False)
        with pytest.raises(LabelRefused, match=f"over the limit of {LIMIT} bytes"):
            fetch(peer, label_url="https://files.ow.test/big.pdf")
    assert 0 < raw.served <= LIMIT + 1


def test_an_oversize_download_announced_by_its_length_is_refused_before_reading():
    raw, body = counting_body(PDF + b"x" * LIMIT)
    with responses.RequestsMock() as peer:
        peer.add(responses.GET, "https://files.ow.test/big.pdf", body=body,
                 headers={"Content-Length": str(len(PDF) + LIMIT)})
        with pytest.raises(LabelRefused, match=f"is {len(PDF) + LIMIT} bytes, over the limit"):
            fetch(peer, label_url="https://files.ow.test/big.pdf")
    assert raw.served == 0


def test_a_download_at_the_limit_is_accepted():
    with responses.RequestsMock() as peer:
        exact = PDF + b"x" * (LIMIT - len(PDF))
        peer.add(responses.GET, "https://files.ow.test/ok.pdf", body=exact, auto_calculate_content_length=False)
        assert fetch(peer, label_url="https://files.ow.test/ok.pdf")[1] == exact


def test_an_oversize_base64_label_is_refused_by_its_encoded_size_before_decoding(monkeypatch):
    decoded = []
    monkeypatch.setattr(base64, "b64decode", lambda *a, **k: decoded.append(1) or pytest.fail("decoded"))
    with responses.RequestsMock() as peer:
        with pytest.raises(LabelRefused, match="label_base64 is"):
            fetch(peer, label_base64="A" * (4 * (LIMIT // 3 + 2)))
    assert decoded == []


def test_a_base64_label_decoding_over_the_limit_is_refused():
    content = PDF + b"x" * (LIMIT + 2 - len(PDF))  # its base64 is 4 * ceil(LIMIT / 3) characters: the bound
    with responses.RequestsMock() as peer:
        with pytest.raises(LabelRefused, match="over the limit"):
            fetch(peer, label_base64=base64.b64encode(content).decode())


def test_an_oversize_label_answer_is_refused_without_reading_it_all():
    huge = {"code": 0, "data": {"tracking_no": "T1", "label_url": "https://files.ow.test/l.pdf",
                                "padding": "x" * (LIMIT * 2 + 70_000)}}  # past the base64 bound + room
    with responses.RequestsMock() as peer:
        peer.add(responses.POST, LABEL_URL, json=huge, auto_calculate_content_length=False)
        with pytest.raises(LabelRefused, match="shipping_label: the answer is over the limit"):
            OneWarehouseClient().label_fetch(outbound_order_no="OB-1")


# --- its kind ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("label_format, content", [
    ("HTML", b"<html><script>alert(document.cookie)</script></html>"),
    ("TXT", b"just text"),
    ("PDF", b"<!doctype html><p>not a pdf"),
    ("PNG", b"GIF89a..."),
    ("ZPL", b"<svg onload=alert(1)>"),
    ("PDF", b" %PDF-1.4 with a space before"),
])
@pytest.mark.parametrize("source", ["label_base64", "label_url"])
def test_a_label_that_is_not_pdf_png_jpeg_or_zpl_is_refused_whatever_its_declared_format(
        label_format, content, source):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as peer:
        peer.add(responses.GET, "https://files.ow.test/l", body=content, content_type="application/pdf")
        data = ({"label_base64": base64.b64encode(content).decode()} if source == "label_base64"
                else {"label_url": "https://files.ow.test/l"})
        with pytest.raises(LabelRefused, match="is not a PDF, PNG, JPEG, ZPL file"):
            fetch(peer, label_format=label_format, **data)


@pytest.mark.parametrize("content", [PDF, PNG, JPEG, ZPL])
def test_pdf_png_jpeg_and_zpl_labels_are_recognised_by_their_bytes(content):
    with responses.RequestsMock() as peer:
        assert fetch(peer, label_format="TXT", label_base64=base64.b64encode(content).decode())[1] == content


def test_line_wrapped_base64_is_still_base64():
    encoded = base64.encodebytes(PDF * 3).decode()  # MIME style: a line break every 76 characters
    with responses.RequestsMock() as peer:
        assert fetch(peer, label_base64=encoded)[1] == PDF * 3


@pytest.mark.parametrize("encoded", ["!!notbase64!!", "JVBERi0", "JVBERi0=x", "JVBERi0x\u00e9"])
def test_malformed_base64_is_a_permanent_failure(encoded):
    with responses.RequestsMock() as peer:
        with pytest.raises(LabelRefused, match="not valid base64") as refused:
            fetch(peer, label_base64=encoded)
    assert isinstance(refused.value, PermanentSendError)


def test_a_peer_that_is_down_stays_a_retryable_failure():
    with responses.RequestsMock() as peer:
        peer.add(responses.GET, "https://files.ow.test/l.pdf", body=requests.ConnectionError("reset"))
        with pytest.raises(CallFailed, match="ConnectionError"):
            fetch(peer, label_url="https://files.ow.test/l.pdf")


def test_streamed_answers_are_still_in_the_request_log():
    with responses.RequestsMock() as peer:
        peer.add(responses.GET, "https://files.ow.test/l.pdf", body=PDF)
        fetch(peer, label_url="https://files.ow.test/l.pdf")
    label, download = ApiExchange.objects.order_by("pk")
    assert (label.endpoint, download.endpoint) == ("shipping_label", "shipping_label_download")
    assert '"tracking_no": "T1"' in label.response_body and download.response_body == f"<{len(PDF)} bytes>"


@given(content=st.one_of(st.binary(min_size=1, max_size=80), st.sampled_from([PDF, PNG, JPEG, ZPL]).flatmap(
    lambda head: st.binary(max_size=40).map(lambda tail: head + tail))))
@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_label_bytes_are_either_a_recognised_label_or_refused_for_good(content):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as peer:
        try:
            _, got = fetch(peer, label_format="PDF", label_base64=base64.b64encode(content).decode())
        except LabelRefused:
            assert label_kind_detect(content) is None
        else:
            assert got == content and label_kind_detect(content) is not None


@given(encoded=st.text(max_size=120))
@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_label_base64_text_is_accepted_or_refused_for_good_never_retried(encoded):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as peer:
        try:
            fetch(peer, label_base64=encoded)
        except LabelRefused:
            pass
        except CallFailed:
            assert not encoded  # an empty label_base64 is "no label yet"
