"""Benchmarks and evaluations: `python -m bench.<name>`; tests import them as modules."""
