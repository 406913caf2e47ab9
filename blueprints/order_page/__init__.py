"""The order page's presenters, one module per section; the `orders` and `shipments` blueprints own the
routes."""
