"""What the stores bill: calls counted per channel, UTC day and action; the monthly allowance and its
warning."""
