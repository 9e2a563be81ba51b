"""Proposals: citizen initiatives that gather supports and receive a reasoned official answer."""
