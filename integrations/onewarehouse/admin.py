# The request log's admin (integrations.apilog) offers "Replay" on incoming exchanges; it finds how to re-run a
# OneWarehouse request here. Admin autodiscovery imports this module in every process that serves admin (the app
# config belongs to the outgoing side of the integration, so the registration is not made there).
from integrations.apilog.services import replay_handler_register

from .services import INTEGRATION, webhook_replay

replay_handler_register(integration=INTEGRATION, handler=webhook_replay)
