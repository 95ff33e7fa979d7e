"""Usage: the daily snapshot of assigned seats per line (a Celery beat task), and maximum usage
for the past year read from it, as a page and as exports.
"""
