"""Participatory budgets: yearly cycle, ballots, results and execution tracking."""
