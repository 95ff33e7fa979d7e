"""Customer onboarding and the agreement's administrators: the invitation a new Open License
sends to its customer email, accepting it (creating or choosing the customer organization),
inviting and removing administrators, the agreement's preferences, and taking charge of an
agreement nobody administers yet.
"""
