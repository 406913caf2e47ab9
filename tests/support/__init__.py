"""Helpers shared by tests: the two-organization world, the simulator fixture, wizard steps, mapping and
sync helpers. Tests import from here, never from another test module."""
