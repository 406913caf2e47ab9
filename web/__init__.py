"""Request plumbing shared by every blueprint: htmx answers, error pages, navigation, security headers,
template filters, safe redirects and login sessions. Only this package and blueprints/ touch the request."""
