"""Concerns (A.3.3): raised by anyone, anonymously if they wish; triage decides what follows."""
