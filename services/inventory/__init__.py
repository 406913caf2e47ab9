"""Stock: levels received from host systems and CSV files (levels.py), stock held by open orders
(allocation.py), and what a channel may publish (availability.py)."""
