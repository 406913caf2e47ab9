"""Typed models, one module per aggregate: tenancy, catalog (and later channels, orders, activity).

Import the module you need (`from models.tenancy import User`). `import_all()` registers every table, for
migrations and create_all.
"""


def import_all() -> None:
    import models.activity  # noqa: F401
    import models.catalog  # noqa: F401
    import models.channels  # noqa: F401
    import models.mappings  # noqa: F401
    import models.orders  # noqa: F401
    import models.tenancy  # noqa: F401
