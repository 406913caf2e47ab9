"""One module (or package) per feature. Views stay thin: permission, lookup, form, service, answer."""
