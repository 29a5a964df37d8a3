"""Helper programs (the test peer)."""
