"""htmx plumbing: a full page for normal requests, the named block for htmx ones. Every fragment is rendered
here (render_fragment), never with jinja2_fragments directly."""

from __future__ import annotations

from flask import Response, redirect, render_template, request
from jinja2_fragments.flask import render_block


def is_htmx() -> bool:
    # History restores want the full page (htmx.config.historyRestoreAsHxRequest is off in base.html too).
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render_fragment(template: str, block: str, **context) -> str:
    """Only `block` of `template`, whatever the request (a section's reply, search results, a picker)."""
    return render_block(template, block, **context)


def render(template: str, block: str, **context) -> str:
    """The whole page, or only `block` of it when htmx asks."""
    if is_htmx():
        return render_fragment(template, block, **context)
    return render_template(template, **context)


def redirect_to(url: str) -> Response:
    """After a successful htmx POST, make the browser load `url`; otherwise a normal 303."""
    if is_htmx():
        response = Response(status=204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)
