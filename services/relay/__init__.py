"""The outbox relay: the log to signed webhooks and to NATS JetStream (`aims relay`).

A separate process, so a slow receiver or a dead NATS server never holds up a service,
and the relay failing fails alone. Each of its two consumers (webhooks, NATS) runs under
its own advisory lock: a second relay process waits on standby and takes over when the
leader's database session ends.
"""
