import json
import logging

import responses

from integrations.apilog.http import logged_session
from integrations.apilog.masking import SecretMaskingFilter
from integrations.apilog.models import ApiExchange


def test_log_records_are_masked_in_message_and_traceback(settings, caplog):
    settings.ONE_API_KEY = "one-api-key-value-123456"
    logger = logging.getLogger("tests.masking")
    logger.addFilter(SecretMaskingFilter())
    try:
        raise ConnectionError("GET https://one.test/?ApiAuth=one-api-key-value-123456 failed")
    except ConnectionError:
        with caplog.at_level(logging.ERROR, logger="tests.masking"):
            logger.exception("call with key %s failed", settings.ONE_API_KEY)
    formatted = logging.Formatter().format(caplog.records[0])
    assert "one-api-key-value-123456" not in formatted
    assert "call with key *** failed" in formatted and "ApiAuth=***" in formatted


def test_an_outgoing_exchange_is_logged_whatever_text_the_peer_answers(db):
    # PostgreSQL text and jsonb cannot hold NUL or a lone surrogate: the row failed and the call with it.
    with responses.RequestsMock() as peer:
        peer.add(responses.POST, "https://peer.test/x", body=b'{"a": "\\ud800", "b": "\\u0000"} \x00\xff',
                 content_type="text/plain", headers={"X-Odd": "a\x00b"})
        logged_session(integration="test").post("https://peer.test/x", data=b"\x00\xed\xa0\x80", endpoint="x")
    row = ApiExchange.objects.get()
    assert row.status_code == 200 and "\x00" not in row.response_body + row.request_body
    assert "\x00" not in json.dumps(row.response_headers, ensure_ascii=False)
