"""Comments on anything registered in ``app.content.targets``: threads, votes, badges."""
