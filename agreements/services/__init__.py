"""Business rules of the agreements app, a module per area."""
