"""Subscribers: assigning seats of the agreement's levels to people (one at a time, in bulk,
edited, reassigned, removed), the subscribers grid, and the emails subscribers receive.
"""
