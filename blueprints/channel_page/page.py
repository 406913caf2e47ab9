"""How the channel page renders: its typed context (`PageContext`: the view, the sections' forms, the view's
own parts, the side column), the page or its view panel (htmx), and a section's answer after a save (htmx
gets the section alone)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import flash, redirect, url_for
from flask_wtf import FlaskForm

from blueprints.channel_page import api_cost_section, health_panel, history, order_push_section
from blueprints.channel_page.settings_sections import BLANK_FORMS, SECTION_VIEW, SIDE_SECTIONS, VIEW_SECTIONS
from blueprints.channel_page.tabs import TABS, tab_url
from forms.api_cost import ApiCostForm
from models.channels import SalesChannel
from services.channels.health import ChannelHealth
from web.htmx import is_htmx, render, render_fragment

PAGE = "channels/page.html"


@dataclass(frozen=True)
class SideColumn:
    """Beside every view, on full pages only (the settings sections' forms are in `PageContext.forms`)."""

    health: ChannelHealth
    api_cost: api_cost_section.ApiCostSection

    def template_context(self) -> dict[str, object]:
        return {"channel_health": self.health} | self.api_cost.template_context()


@dataclass(frozen=True)
class PageContext:
    """What channels/page.html (or its view panel) reads."""

    channel: SalesChannel
    view: str
    forms: dict[str, FlaskForm]  # by section; the template reads `<section>_form`
    history: history.HistoryView | None = None  # the History view
    order_push: order_push_section.OrderPushSection | None = None  # Advanced settings
    side: SideColumn | None = None  # full pages only
    # What the answering view adds: a view's template and context (Sync Actions, a mapping view), a
    # confirmation asked for in a section.
    extras: dict[str, object] = field(default_factory=dict)

    def template_context(self) -> dict[str, object]:
        context: dict[str, object] = {
            "channel": self.channel,
            "view": self.view,
            "tabs": TABS,
            "tab_url": tab_url,
            "messages": {},
            "warnings": {},
        }
        context |= {f"{section}_form": form for section, form in self.forms.items()}
        for part in (self.history, self.order_push, self.side):
            if part is not None:
                context |= part.template_context()
        return context | self.extras


def page_context(
    channel: SalesChannel,
    view: str,
    *,
    full_page: bool,
    order_push: order_push_section.OrderPushSection | None = None,
    api_cost_form: ApiCostForm | None = None,
    **extras: object,
) -> PageContext:
    """The page showing `view` (full page: with the side column): a section's form given in `extras` as
    `<section>_form` (e.g. one with errors) takes the place of the blank one."""
    sections = VIEW_SECTIONS.get(view, ()) + (SIDE_SECTIONS if full_page else ())
    given = {section: extras.pop(f"{section}_form") for section in BLANK_FORMS if f"{section}_form" in extras}
    forms = {section: BLANK_FORMS[section](channel) for section in sections} | given
    if view == "advanced" and order_push is None:
        order_push = order_push_section.section(channel)
    side = None
    if full_page:
        side = SideColumn(health_panel.of_channel(channel), api_cost_section.section(channel, api_cost_form))
    return PageContext(
        channel=channel,
        view=view,
        forms=forms,
        history=history.view(channel) if view == "history" else None,
        order_push=order_push,
        side=side,
        extras=extras,
    )


def render_page(channel: SalesChannel, view: str, status: int = 200, **parts):
    """The page showing `view`; htmx (a tab switch, a view's own form) gets the view panel alone."""
    context = page_context(channel, view, full_page=not is_htmx(), **parts)
    return render(PAGE, "view_panel", **context.template_context()), status


def section_answer(
    channel: SalesChannel,
    section: str,
    form: FlaskForm,
    *,
    message: str | None = None,
    warning: str | None = None,
    status: int = 200,
):
    """htmx: the section alone (only its own form), with its message, warning or errors; after a save also the
    header out of band, as a save may change what it shows. Otherwise PRG on success, the page on errors."""
    if is_htmx():
        context = {
            "channel": channel,
            "messages": {section: message},
            "warnings": {section: warning},
            f"{section}_form": form,
            "refresh_header": status == 200,
        }
        return render_fragment(PAGE, f"{section}_section", **context), status
    if status == 200:
        flash(message, "success")
        if warning:
            flash(warning, "warning")
        return redirect(url_for("channels.view", channel_id=channel.id, view=SECTION_VIEW[section]), code=303)
    return render_page(channel, SECTION_VIEW[section], status=status, **{f"{section}_form": form})
