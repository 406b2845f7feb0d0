"""What the village tells its regency hub (the outbox) and what the hub sends down."""
