"""The channel page's API cost section (and the banner over the page): calls today, this month and over the
last 30 days by action as a chart, and the monthly allowance and warning threshold form."""

from __future__ import annotations

from dataclasses import dataclass

from forms.api_cost import ApiCostForm
from models.channels import SalesChannel
from services.api_cost import budget, chart, usage


@dataclass(frozen=True)
class ApiCostSection:
    usage: usage.Usage
    chart: chart.Chart
    budget_state: budget.BudgetState
    form: ApiCostForm

    def template_context(self) -> dict[str, object]:
        return {
            "api_usage": self.usage,
            "api_chart": self.chart,
            "api_labels": usage.LABELS,
            "budget_state": self.budget_state,
            "api_cost_form": self.form,
        }


def cost_form(channel: SalesChannel) -> ApiCostForm:
    settings = budget.settings_of(channel)
    data = {name: getattr(settings, name) if settings else None for name in budget.FIELDS}
    return ApiCostForm(formdata=None, data=data)


def section(channel: SalesChannel, form: ApiCostForm | None = None) -> ApiCostSection:
    channel_usage = usage.usage(channel.id)
    return ApiCostSection(
        usage=channel_usage,
        chart=chart.chart(channel_usage),
        budget_state=budget.state(channel),
        form=form or cost_form(channel),
    )
