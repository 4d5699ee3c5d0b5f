"""Tracking services: the rules, the client, the background logger and the fluent API."""
