# The web UI's fixture of an isolated ETHUSDT long, for the admin's oversight tests.
from tests.web.conftest import eth_long  # noqa: F401
