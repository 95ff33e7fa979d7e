"""Views of the agreements app, a module per area; each module lists its own URL patterns."""
