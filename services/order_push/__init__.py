"""Push Orders: the channel's intake settings, taking a pushed order in, and what the channel page shows."""
