"""Benchmarks and the answer-accuracy evaluation (not run by pytest)."""
