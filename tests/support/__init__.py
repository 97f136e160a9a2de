"""Test helpers: a real throwaway PostgreSQL, apps over ASGI, tokens."""
