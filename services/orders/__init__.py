"""Imported sales orders: the Orders screen's queries and the masking of contact data by role."""
