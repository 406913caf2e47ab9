"""Typed models, one module per aggregate: tenancy, catalog, channels, mappings, orders, activity, api_keys,
shipments, inventory_sync, order_push, store_catalog, api_cost, breakers, alerts, mfa, invitations,
store_holds, store_writes, outbox, webhooks.

Import the module you need (`from models.tenancy import User`). `import_all()` registers every table with the
metadata, for migrations and `flask db check`.
"""


def import_all() -> None:
    # Imported here, not at the top: extensions.py imports models.base while `db` is not yet defined, and
    # every aggregate module imports `db` from extensions (a real cycle at import time).
    import models.activity  # noqa: F401
    import models.alerts  # noqa: F401
    import models.api_cost  # noqa: F401
    import models.api_keys  # noqa: F401
    import models.breakers  # noqa: F401
    import models.catalog  # noqa: F401
    import models.channels  # noqa: F401
    import models.inventory_sync  # noqa: F401
    import models.invitations  # noqa: F401
    import models.mappings  # noqa: F401
    import models.mfa  # noqa: F401
    import models.order_push  # noqa: F401
    import models.orders  # noqa: F401
    import models.outbox  # noqa: F401
    import models.shipments  # noqa: F401
    import models.store_catalog  # noqa: F401
    import models.store_holds  # noqa: F401
    import models.store_writes  # noqa: F401
    import models.tenancy  # noqa: F401
    import models.webhooks  # noqa: F401
