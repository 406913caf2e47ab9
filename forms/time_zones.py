"""The time zone picker: the IANA zones of the world's regions (Europe/London, America/New_York, ...) and UTC,
without the tz database's aliases and oddities (Factory, GB-Eire, Zulu, US/Eastern, Etc/GMT+5). A channel
that already uses an alias keeps it: it is offered too, so saving another setting never changes the zone."""

from __future__ import annotations

from zoneinfo import available_timezones

from wtforms import SelectField

REGIONS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)
ALL_ZONES = frozenset(available_timezones() - {"localtime"})
ZONES = ["UTC", *sorted(name for name in ALL_ZONES if "/" in name and name.split("/")[0] in REGIONS)]


class TimeZoneField(SelectField):
    def __init__(self, label: str | None = None, validators=None, **kwargs) -> None:
        super().__init__(label, validators, choices=[(name, name) for name in ZONES], **kwargs)

    def process_data(self, value) -> None:
        super().process_data(value)
        self._keep_current(self.data)

    def _keep_current(self, name: str | None) -> None:
        """A zone the channel has that the list leaves out (an alias) is offered first."""
        if name and name in ALL_ZONES and name not in ZONES:
            self.choices = [(name, name), *self.choices]

    def pre_validate(self, form) -> None:
        self._keep_current(self.data if self.data in ALL_ZONES else None)
        super().pre_validate(form)
