"""Webhook subscriptions: the API and the subscription aggregate (the relay delivers)."""
