"""Benchmarks for the budgets of issue 2: page weight, start-up time, idle memory.

Run them all with ``make bench`` (``python -m bench``); see bench/README.md.
"""
