"""Moderation: flags from people, a queue for moderators, hiding, restoring and blocking."""
