"""Orders: a partner places an Open License for a customer's email (the portal form), or an
operator imports many from a CSV file (`csv_import`, the `import_orders` command).
"""
