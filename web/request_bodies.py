"""What a request body may be: the app's forms are read from form posts only.

Flask-WTF also reads a JSON body as form data, and merges multipart file parts into it; either way a field can
arrive as something other than text (a number, a list, an uploaded file) and the validators crash on it. So a
body that is not a form post is refused (415; this also keeps JSON logins out of the per-email throttle's
blind spot), and a file part is accepted only under the name the CSV import forms give their file (400).
The host-system API under /api/ and the order push intake under /intake/ are JSON by design and validate
their own bodies.
"""

from __future__ import annotations

from flask import Flask, request

from web.api_requests import is_api_request
from web.error_pages import render_error

SUBMIT_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_BODIES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
# forms.mappings.CsvImportForm.file; every other field of every form is text.
UPLOAD_FIELDS = frozenset({"file"})


def refuse_unreadable_bodies():
    """before_request: a body that is not a form post, or a text field sent as a file, reaches no form."""
    if request.method not in SUBMIT_METHODS:  # Flask-WTF reads a body only from these
        return None
    if is_api_request():  # the host-system API and the intake read JSON themselves and have no forms
        return None
    if request.mimetype and request.mimetype not in FORM_BODIES:
        return render_error(415)
    if request.files and not set(request.files) <= UPLOAD_FIELDS:
        return render_error(400, "A text field was sent as a file. Use the form on the page.")
    return None


def init_app(app: Flask) -> None:
    app.before_request(refuse_unreadable_bodies)
