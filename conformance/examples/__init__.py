"""Example engines for `pytest --engine`: how an engine plugs into the suite."""
