"""Debates: open conversations any registered person starts, votes on and comments."""
