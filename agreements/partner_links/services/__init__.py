"""The writes of partner access, by job: `claims` (the three ways a partner asks for access,
and the customer's invitation back), `decisions` (the customer's: remove, approve, decline,
scope, allow again), `review` (the nightly pass), `notify` (who is told what)."""
