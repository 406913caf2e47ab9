"""Alerts: an account's recipients and webhook, the health changes worth one alert, and their delivery."""
