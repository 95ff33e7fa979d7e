"""Which named constraint an IntegrityError broke, on PostgreSQL and on SQLite (the demo).

PostgreSQL names the constraint ("... violates unique constraint "<name>""); SQLite names a
CHECK constraint but reports a unique index by its columns ("UNIQUE constraint failed:
<table>.<column>, ..."), so a unique constraint is recognised there by its table and fields.
"""

import re

from django.db import IntegrityError, models

SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?P<columns>.+)$")


def constraint_violated(error: IntegrityError, model: type[models.Model], name: str) -> bool:
    """Whether `error` is the violation of `model`'s constraint named `name` (its full name,
    as in the model's Meta once Django has filled in app label and class)."""
    (constraint,) = [c for c in model._meta.constraints if c.name == name]
    diagnostics = getattr(error.__cause__, "diag", None)
    if getattr(diagnostics, "constraint_name", None):
        return diagnostics.constraint_name == name
    text = str(error)
    if re.search(rf"\b{re.escape(name)}\b", text):
        return True
    match = SQLITE_UNIQUE.search(text)
    if match and isinstance(constraint, models.UniqueConstraint) and constraint.fields:
        table = model._meta.db_table
        columns = {f"{table}.{model._meta.get_field(field).column}" for field in constraint.fields}
        return {column.strip() for column in match["columns"].split(",")} == columns
    return False
