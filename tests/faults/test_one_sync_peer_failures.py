"""Fault: ONE answering 500 or 429, timing out, refusing or cutting the connection mid-answer during a sync chunk
(503 and 401 are covered in tests/integrations/one/test_sync.py). The chunk's message is FAILED with the reason,
the run stays open and the cursor does not move; the retry sends it exactly once."""

import pytest
import requests

from integrations.one.models import OneSyncRun
from tests.integrations.one.helpers import POST_URL, sync
from wms.outbox.models import OutboxMessage
from wms.outbox.services import outbox_message_dispatch, outbox_message_retry

pytestmark = [pytest.mark.django_db, pytest.mark.faults, pytest.mark.usefixtures("one_settings")]


@pytest.mark.parametrize(("failure", "reason"), [
    ({"status": 500}, "HTTP 500"),
    ({"status": 429}, "HTTP 429"),
    ({"body": requests.exceptions.ReadTimeout("read timed out")}, "did not answer"),
    ({"body": requests.exceptions.ConnectionError("Connection refused")}, "ConnectionError"),
    ({"body": requests.exceptions.ChunkedEncodingError("Connection broken: IncompleteRead")},
     "ChunkedEncodingError"),
], ids=["500", "429", "timeout", "connection-refused", "closed-mid-answer"])
def test_a_peer_failure_on_a_one_sync_chunk_leaves_it_failed_with_the_reason_and_the_retry_sends_it_once(
        mocked, one_publication, two_products, failure, reason):
    mocked.post(POST_URL, **failure)
    mocked.post(POST_URL, status=200)
    publication = one_publication()
    run = sync(publication)
    message = OutboxMessage.objects.get(aggregate_id=str(run.pk))
    assert (message.status, message.attempts) == (OutboxMessage.Status.FAILED, 1)
    assert reason in message.last_error
    publication.refresh_from_db()
    assert run.status == OneSyncRun.Status.SENDING and publication.baseline_needed
    assert outbox_message_dispatch(message_id=message.pk) is None  # not before its backoff
    outbox_message_retry(message=message)
    assert outbox_message_dispatch(message_id=message.pk) == OutboxMessage.Status.SENT
    assert outbox_message_dispatch(message_id=message.pk) is None
    run.refresh_from_db()
    publication.refresh_from_db()
    assert run.status == OneSyncRun.Status.SUCCEEDED and not publication.baseline_needed
    assert len(mocked.calls) == 2
