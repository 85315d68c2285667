"""What the cycle hands out: the departments' summary sheet and verifiable e-certificates."""
