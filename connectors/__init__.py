"""What each sales-channel type knows: its HTTP client, address rules and record translation."""
