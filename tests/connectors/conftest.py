from tests.simulator_fixture import bs_store, simulator  # noqa: F401
