"""Alerts: the conditions an organization wants to hear about (an agreement ending, seats
left free, a level full, seats never opened, an upload that failed, a partner's access
ending, a benefit about to activate), the bell that counts them, and the emails that sum
them up (each person's digest, the partner's monthly report).

A layer above the features, beside the command center: it reads agreements and benefits
through their models; only the shell (portal/urls.py, the settings) reaches it. The
features never call it: the daily evaluation reads their data instead.
"""
