"""The regency hub: receives every village's events over NATS JetStream into PostgreSQL.

It shares only `loket_protocol` (the event schema and the NATS names) with the office
server; neither imports the other.
"""
