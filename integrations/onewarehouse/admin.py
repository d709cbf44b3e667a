# The request log's admin (integrations.apilog) offers "Replay" on incoming exchanges; it finds how to re-run a
# OneWarehouse request here. Admin autodiscovery imports this module at start-up in every process (the app config
# belongs to the outgoing side of the integration, so neither this registration nor the checks' import sit there).
from integrations.apilog.services import replay_handler_register

from . import checks  # noqa: F401 - registers the configuration checks
from .services import INTEGRATION, webhook_replay

replay_handler_register(integration=INTEGRATION, handler=webhook_replay)
