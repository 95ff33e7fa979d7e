"""Partner access to a customer's agreement, which the customer controls.

- `claims`: the three ways a partner asks for access (+ New Open License, the licensing
  center's "click here", OLP partner registration) and the customer's invitation back;
- `services`: the customer's decisions (remove, approve, decline, scope, allow again);
- `review`: the nightly pass (requests that expire, access that ends, reminders);
- `notify`: who is told what, on both sides.
"""
