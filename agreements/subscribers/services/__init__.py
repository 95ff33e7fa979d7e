"""The writes of subscribers: `assignments` (assign, bulk assign, edit, reassign, remove,
resend) on top of `seats` (the seat bookkeeping every assignment shares)."""
