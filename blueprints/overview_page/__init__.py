"""The Overview page's presenters (its view is blueprints/home.py)."""
