"""The durable outbox and the retrying dispatcher: no change is ever lost."""
