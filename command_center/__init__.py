"""The partner's command center: every agreement an organization manages at a glance.

The top layer over the features: it reads agreements (and may read benefits) through their
models and the one access rule; only the shell (portal/urls.py, portal/views.py) imports it.
"""
