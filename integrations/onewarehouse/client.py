"""Calls to OneWarehouse's API: signing, base URL per environment, timeouts, the answer envelope.

Every exchange goes through apilog's logged session (stored, secrets masked). A failed call raises
``CallFailed`` (retry later) or ``RequestRejected`` (the request itself is wrong; retrying cannot help): the
outbox turns them into a retry with backoff or a dead message for staff.
"""

import base64
import binascii
import json
import math

import requests
from django.conf import settings

from integrations.apilog.http import exchange_response_body_record, logged_session
from wms.outbound.labels import label_kind_detect, label_kinds_text
from wms.outbox.registry import PermanentSendError, RetryableSendError

from .auth import callback_key_pair, outgoing_mode_active, signed_headers
from .downloads import DownloadFailed, LabelRefused, answer_read, label_download
from .profiles import profile_active
from .profiles.base import CallContext, LabelAnswer, PeerAnswer

INTEGRATION = "onewarehouse"
# Room in the label answer's JSON besides the base64 text itself (tracking number, format, envelope).
LABEL_ANSWER_OVERHEAD_BYTES = 64 * 1024


class CallFailed(RetryableSendError):
    """Peer down, slow, answering non-2xx, non-JSON or a non-zero code: try again later."""


class RequestRejected(PermanentSendError):
    """The peer says our request is wrong (validation error): not retried, shown to staff."""


def _config() -> dict:
    """The environment's base URL and the key pair our calls are signed with (the push pair when it is the only
    one configured)."""
    keys = settings.ONEWAREHOUSE_KEYS.get(settings.ONEWAREHOUSE_ENV) or {}
    pair = callback_key_pair()
    keys = {**keys, "app_key": pair.app_key, "app_secret": pair.app_secret}
    missing = [name for name in ("app_key", "app_secret", "base_url") if not keys.get(name)]
    if missing:
        # Not the peer's fault and not permanent: once the settings are filled, the retry goes through.
        raise CallFailed(f"OneWarehouse {settings.ONEWAREHOUSE_ENV} is not configured: {', '.join(missing)} missing")
    return keys


class OneWarehouseClient:
    def __init__(self, *, session: requests.Session | None = None):
        self.session = session or logged_session(integration=INTEGRATION)
        self.timeout = settings.ONEWAREHOUSE_TIMEOUT_SECONDS

    def _post(self, *, endpoint: str, payload: dict, context: CallContext, max_bytes: int | None = None) -> dict:
        """POST the active profile's signed JSON body of call ``endpoint``; return the answer's data if its code
        says success. With ``max_bytes``, an answer longer than that is refused (``LabelRefused``) unread."""
        profile = profile_active()
        call = profile.outgoing[endpoint]
        keys = _config()
        body = call.body(payload, context)
        raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json",
                   **signed_headers(mode=outgoing_mode_active(), app_key=keys["app_key"], app_secret=keys["app_secret"],
                                    body=raw)}
        url = keys["base_url"].rstrip("/") + call.url_path(context)
        try:
            response = self.session.request("POST", url, data=raw, headers=headers, timeout=self.timeout,
                                            endpoint=endpoint, order_no=str(body.get(call.order_no_field, "")),
                                            outbox_message_id=context.outbox_message_id,
                                            stream=max_bytes is not None)
            if max_bytes is not None:
                with response:
                    response._content = answer_read(response, limit=max_bytes, what=endpoint)
                exchange_response_body_record(response, response._content)
        except requests.RequestException as exc:
            raise CallFailed(f"{endpoint}: {type(exc).__name__}: {exc}") from exc
        except DownloadFailed as exc:
            raise CallFailed(str(exc)) from exc
        return self._answer(response, endpoint=endpoint, shape=profile.peer_answer)

    @staticmethod
    def _answer(response: requests.Response, *, endpoint: str, shape: PeerAnswer) -> dict:
        try:
            answer = response.json()
        except ValueError:
            answer = None
        exchange = getattr(response, "api_exchange", None)
        code = answer.get(shape.code_field) if isinstance(answer, dict) else None
        logged = shape.logged_code(code)
        if exchange is not None and exchange.pk and logged is not None:
            exchange.business_code = logged  # the session stored the exchange already; add the envelope's code
            exchange.save(update_fields=["business_code"])
        if not 200 <= response.status_code < 300:
            raise CallFailed(f"{endpoint}: HTTP {response.status_code}")
        if not isinstance(answer, dict) or not shape.code_valid(code):
            raise CallFailed(f"{endpoint}: the answer is not the JSON envelope")
        if code != shape.ok_code:
            message = f"{endpoint}: code {code}: {answer.get(shape.msg_field) or ''}"
            errors = answer.get(shape.errors_field)
            if errors:
                message += f" {json.dumps(errors, ensure_ascii=False)}"
            if code in shape.permanent_codes:
                raise RequestRejected(message)
            raise CallFailed(message)
        data = answer.get(shape.data_field)
        return data if isinstance(data, dict) else {}

    def inbound_callback_send(self, *, payload: dict, outbox_message_id=None, warehouse_code: str = "") -> dict:
        return self._post(endpoint="inbound_callback", payload=payload,
                          context=CallContext(warehouse_code=warehouse_code, outbox_message_id=outbox_message_id))

    def outbound_callback_send(self, *, payload: dict, outbox_message_id=None, warehouse_code: str = "") -> dict:
        return self._post(endpoint="outbound_callback", payload=payload,
                          context=CallContext(warehouse_code=warehouse_code, outbox_message_id=outbox_message_id))

    def label_fetch(self, *, outbound_order_no: str, outbox_message_id=None,
                    warehouse_code: str = "") -> tuple[LabelAnswer, bytes]:
        """Ask for the shipping label and return it with its file (downloaded from ``label_url`` or decoded).

        Nothing in the answer is trusted: its size is bounded (the JSON, the base64 text before decoding, the file),
        ``label_url`` is fetched only as ``downloads`` allows, and the file must be a PDF, PNG, JPEG or ZPL by its
        own bytes whatever ``label_format`` says. What can never become a label raises ``LabelRefused``
        (permanent: dead at once, the reason on the order's page); a peer that is down or slow stays retryable.
        """
        limit = settings.ONEWAREHOUSE_LABEL_MAX_BYTES
        max_encoded = 4 * math.ceil(limit / 3)
        data = self._post(endpoint="shipping_label", payload={"outbound_order_no": outbound_order_no},
                          context=CallContext(warehouse_code=warehouse_code, outbox_message_id=outbox_message_id),
                          max_bytes=max_encoded + LABEL_ANSWER_OVERHEAD_BYTES)
        try:
            answer = profile_active().label_fields.parse(data)
        except ValueError as exc:
            raise CallFailed(f"shipping_label: {exc}") from exc
        if answer.label_base64:
            encoded = "".join(answer.label_base64.split())  # line-wrapped base64 (MIME style) is still base64
            if len(encoded) > max_encoded:
                raise LabelRefused(f"shipping_label: label_base64 is {len(encoded)} characters, over the "
                                   f"{max_encoded} of a {limit}-byte file")
            try:
                content = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise LabelRefused(f"shipping_label: label_base64 is not valid base64: {exc}") from exc
            if len(content) > limit:
                raise LabelRefused(f"shipping_label: the label file is {len(content)} bytes, over the limit "
                                   f"of {limit} bytes")
        else:
            try:
                content = label_download(url=answer.label_url, integration=INTEGRATION, order_no=outbound_order_no,
                                         outbox_message_id=outbox_message_id)
            except DownloadFailed as exc:
                raise CallFailed(str(exc)) from exc
        if label_kind_detect(content) is None:
            raise LabelRefused(f"shipping_label: the label file is not a {label_kinds_text()} file "
                               f"(label_format {answer.label_format[:20]!r}, starts with {content[:16]!r})")
        return answer, content
