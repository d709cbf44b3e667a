import logging

from integrations.apilog.masking import SecretMaskingFilter


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
