"""Downloading a shipping label from the ``label_url`` OneWarehouse answers, without trusting that URL.

The URL comes from the peer, so it could point anywhere our worker can reach: the admin on 127.0.0.1, a database
on the private network, the cloud metadata address. A download therefore

- goes only over http(s), only to an allowed host (``label_hosts_allowed``), following redirects by hand, each
  hop checked again, at most ``ONEWAREHOUSE_LABEL_MAX_REDIRECTS`` of them;
- connects only to an address that was checked: the connection itself resolves the name, refuses the whole
  answer if any address is not public (``address_check``), and dials the very address it checked, so a DNS
  answer that changes between a check and the connect (rebinding) cannot slip through; TLS still verifies the
  certificate and sends SNI for the host name; proxies from the environment are ignored;
- reads at most ``ONEWAREHOUSE_LABEL_MAX_BYTES`` + 1 bytes and stops at ``ONEWAREHOUSE_LABEL_TIMEOUT_SECONDS``.

A refused host, address or size is ``LabelRefused`` (permanent: dead at once, shown to staff); a peer that is
down, slow or answers an error stays a retryable ``CallFailed``.
"""

import ipaddress
import socket
import time
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NameResolutionError, NewConnectionError
from urllib3.util import connection as urllib3_connection

from integrations.apilog.http import exchange_response_body_record, logged_session
from wms.outbox.registry import PermanentSendError, RetryableSendError

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
READ_CHUNK = 64 * 1024


class LabelRefused(PermanentSendError):
    """The label (or where it is) is not acceptable; asking again gets the same answer."""


class DownloadFailed(RetryableSendError):
    """The label host is down, slow or answers an error: try again later."""


class AddressRefused(Exception):
    """Raised inside the connection; deliberately not an ``OSError`` so urllib3 neither wraps nor retries it."""


class AddressRefusedError(requests.exceptions.ConnectionError):
    """``AddressRefused`` as the requests exception the logged session records."""


def _host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def label_hosts_allowed() -> frozenset[str]:
    """The base URL's host (we send it our signed requests already), the configured extra hosts, and the
    simulators' host when they are on."""
    keys = settings.ONEWAREHOUSE_KEYS.get(settings.ONEWAREHOUSE_ENV) or {}
    hosts = {host.strip().lower().rstrip(".") for host in settings.ONEWAREHOUSE_LABEL_HOSTS if host.strip()}
    hosts.add(_host_of(keys.get("base_url") or ""))
    if settings.SIMULATORS_ENABLED:
        hosts.add(_host_of(settings.SIMULATOR_WMS_BASE_URL))
    hosts.discard("")
    return frozenset(hosts)


def label_url_check(url: str) -> None:
    """Refuse a URL that is not http(s) to an allowed host."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError as exc:
        raise LabelRefused(f"label_url is not a usable URL: {exc}") from exc
    if parts.scheme not in ("http", "https"):
        raise LabelRefused(f"label_url must be http or https, not {parts.scheme[:20]!r}")
    if parts.username is not None or parts.password is not None:
        raise LabelRefused("label_url must not carry credentials")
    if host not in label_hosts_allowed():
        raise LabelRefused(f"label_url host {host[:100]!r} is not allowed (allowed: "
                           f"{', '.join(sorted(label_hosts_allowed())) or 'none'}; see ONEWAREHOUSE_LABEL_HOSTS)")


def address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 scope ("fe80::1%eth0") is link-local anyway
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if ip.is_multicast or ip.is_unspecified or ip.is_link_local or ip.is_reserved:
        return False  # never, whatever the settings (169.254.169.254 is the cloud metadata address)
    if ip.is_global:
        return True
    return settings.ONEWAREHOUSE_LABEL_ALLOW_PRIVATE and (ip.is_loopback or ip.is_private)


def address_check(host: str, port: int) -> list[tuple]:
    """Resolve ``host`` once; return its ``(family, type, proto, canonname, sockaddr)`` entries if every one is
    allowed, else raise ``AddressRefused`` (one bad address refuses all: the resolver's order is not ours)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not infos:
        raise socket.gaierror(f"no address for {host}")
    refused = sorted({info[4][0] for info in infos if not address_allowed(info[4][0])})
    if refused:
        raise AddressRefused(f"label host {host} resolves to a non-public address ({', '.join(refused)}); "
                             "see ONEWAREHOUSE_LABEL_ALLOW_PRIVATE")
    return infos


class _CheckedConnectionMixin:
    """Dial only an address ``address_check`` allowed, from the one resolution it made."""

    def _new_conn(self):
        try:
            infos = address_check(self._dns_host, self.port)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        last_error = None
        for info in infos:
            try:
                sock = urllib3_connection.create_connection(
                    (info[4][0], self.port), self.timeout, source_address=self.source_address,
                    socket_options=self.socket_options)
            except TimeoutError as exc:
                raise ConnectTimeoutError(self, f"Connection to {self.host} timed out") from exc
            except OSError as exc:
                last_error = exc
                continue
            return sock
        raise NewConnectionError(self, f"Failed to establish a new connection: {last_error}")


class CheckedHTTPConnection(_CheckedConnectionMixin, HTTPConnection):
    pass


class CheckedHTTPSConnection(_CheckedConnectionMixin, HTTPSConnection):
    pass  # SNI and the certificate check use ``self.host``, the name, not the address dialled


class CheckedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = CheckedHTTPConnection


class CheckedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = CheckedHTTPSConnection


class CheckedAddressAdapter(HTTPAdapter):
    """A transport whose connections dial only checked addresses (see the module's docstring)."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": CheckedHTTPConnectionPool,
                                                   "https": CheckedHTTPSConnectionPool}

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        try:
            # Checked here as well, before any pool is touched, so a refusal is clear and immediate (and visible
            # when the transport below is replaced, as in tests); the connection checks again when it dials.
            address_check(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
            return super().send(request, **kwargs)
        except AddressRefused as exc:
            raise AddressRefusedError(str(exc), request=request) from exc
        except socket.gaierror as exc:
            raise requests.exceptions.ConnectionError(f"cannot resolve {parts.hostname}: {exc}",
                                                      request=request) from exc


def download_session(*, integration: str) -> requests.Session:
    session = logged_session(integration=integration)
    session.trust_env = False  # an HTTP(S)_PROXY from the environment would dial for us, unchecked
    adapter = CheckedAddressAdapter(max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def answer_read(response: requests.Response, *, limit: int, what: str, deadline: float | None = None) -> bytes:
    """At most ``limit`` bytes of a streamed body (``limit`` + 1 are read to know it is over), within the
    deadline; a longer body is ``LabelRefused``, a late one ``DownloadFailed``."""
    if deadline is None:
        deadline = time.monotonic() + settings.ONEWAREHOUSE_LABEL_TIMEOUT_SECONDS
    declared = response.headers.get("Content-Length", "").strip()
    if declared.isascii() and declared.isdigit() and int(declared) > limit:  # refused before reading a byte
        raise LabelRefused(f"{what}: the answer is {int(declared)} bytes, over the limit of {limit} bytes")
    chunks, size = [], 0
    while True:
        if time.monotonic() > deadline:
            raise DownloadFailed(f"{what}: the answer took longer than "
                                 f"{settings.ONEWAREHOUSE_LABEL_TIMEOUT_SECONDS:g} s")
        try:
            chunk = response.raw.read(min(READ_CHUNK, limit + 1 - size), decode_content=True)
        except (HTTPError, OSError) as exc:  # raw reads raise urllib3's exceptions, not requests'
            raise DownloadFailed(f"{what}: {type(exc).__name__}: {exc}") from exc
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise LabelRefused(f"{what}: the answer is over the limit of {limit} bytes")
    return b"".join(chunks)


def label_download(*, url: str, integration: str, order_no: str, outbox_message_id=None) -> bytes:
    """The label file at ``url`` (checked, redirects followed by hand, size and time bounded)."""
    limit = settings.ONEWAREHOUSE_LABEL_MAX_BYTES
    deadline = time.monotonic() + settings.ONEWAREHOUSE_LABEL_TIMEOUT_SECONDS
    session = download_session(integration=integration)
    try:
        for _hop in range(settings.ONEWAREHOUSE_LABEL_MAX_REDIRECTS + 1):
            label_url_check(url)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DownloadFailed("shipping_label_download: the download took too long")
            try:
                response = session.request(
                    "GET", url, timeout=min(settings.ONEWAREHOUSE_TIMEOUT_SECONDS, remaining), stream=True,
                    allow_redirects=False, endpoint="shipping_label_download", order_no=order_no,
                    outbox_message_id=outbox_message_id)
            except AddressRefusedError as exc:
                raise LabelRefused(f"shipping_label_download: {exc}") from exc
            except requests.RequestException as exc:
                raise DownloadFailed(f"shipping_label_download: {type(exc).__name__}: {exc}") from exc
            with response:
                if response.status_code in REDIRECT_STATUSES and response.headers.get("Location"):
                    url = urljoin(url, response.headers["Location"])
                    continue
                if not 200 <= response.status_code < 300:
                    raise DownloadFailed(f"shipping_label_download: HTTP {response.status_code}")
                content = answer_read(response, limit=limit, deadline=deadline, what="shipping_label_download")
                exchange_response_body_record(response, f"<{len(content)} bytes>")
                return content
        raise LabelRefused(f"shipping_label_download: more than {settings.ONEWAREHOUSE_LABEL_MAX_REDIRECTS} "
                           "redirects")
    finally:
        session.close()
