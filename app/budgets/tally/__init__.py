"""Counting a participatory budget: Pabulib files in and out, greedy and Equal Shares."""
