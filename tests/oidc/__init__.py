"""The real OpenID Connect provider the tests start on loopback (see fixture.py)."""
