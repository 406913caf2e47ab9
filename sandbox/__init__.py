"""Bright Sites simulator: a small Flask app that speaks the v2.7.0 API contract (its documented contract).

It is a separate app on purpose: it never imports the main techOMS app, so the demo and the tests talk to it
over real HTTP exactly as they would talk to a real store.
"""

from sandbox.app import create_sandbox_app

__all__ = ["create_sandbox_app"]
