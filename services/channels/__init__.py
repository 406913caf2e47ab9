"""Sales channels: the store connection check, the token vault, wizard drafts, the store reference cache
and the audited settings changes."""
