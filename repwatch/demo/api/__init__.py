"""The demo server's imitations of the real APIs, one module per API."""
