"""The channel page and the channel list, one presenter module per section or panel; the blueprints that own
the routes (channels, sync, mappings, order_push, api_cost, privacy) answer through `render_page` and
`section_answer`.

`page` builds the page's typed context (`PageContext`) and answers; `tabs` names the view tabs;
`settings_sections` fills the settings forms; `history`, `health_panel`, `api_cost_section`,
`order_push_section` and `sync_actions` each present one part; `channel_list` the list's rows. The section
modules import nothing of `page`, so the package imports in no cycle.
"""

from __future__ import annotations

from blueprints.channel_page.channel_list import render_list
from blueprints.channel_page.page import PAGE, PageContext, render_page, section_answer
from blueprints.channel_page.settings_sections import section_values

__all__ = ["PAGE", "PageContext", "render_list", "render_page", "section_answer", "section_values"]
