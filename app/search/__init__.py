"""Search across debates and proposals with each database's own full-text index."""
