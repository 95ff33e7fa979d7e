"""The scoping lint: tenant data is read only through the scoping path.

Zulip's way: the rule covers every file of the apps, and the places it does not apply to are
named below with their reason. Selectors, services and the access rule are the scoping
path itself; everything else (views, forms, tasks, exports, template tags, emails, tokens,
what a future file holds) reaches tenant data through them, or says on the line why a read
needs no actor (`# scoping: <reason>`, on the line or on a comment line just above), with a reason
that names what makes it safe.

The tenant models are derived, not listed: every model with a path of foreign keys to an
organization or an agreement. The forms it catches:
- `Model.objects` / `_default_manager` / `_base_manager` on a tenant model, under any name
  it was imported as;
- `get_object_or_404(Model, ...)` and `get_list_or_404(Model, ...)`;
- a related manager read off an organization (`actor.organization.customer_agreements`);
- `apps.get_model(...)`, which hides the model from the other rules.
"""

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.db import models

APP_DIRS = (
    "portal",
    "agreements",
    "benefits",
    "notifications",
    "licensing_center",
    "command_center",
    "webhooks",
    "alerts",
)
ROOTS = ("tenancy.Organization", "agreements.Agreement")

# Files the rule does not apply to, each with its reason.
EXCLUDED = {
    "services": "services are the write half of the scoping path: they take the actor",
    "selectors": "selectors are the read half of the scoping path: they take the actor",
    "migrations": "migrations run before any actor exists",
    "models": "querysets define visible_to, the scoping path's base",
    "access": "agreements/access.py is the one access rule",
    "admin": "the Django admin is for staff, who see every tenant by design",
    "management": "management commands are run by operators on the server",
    "settings": "settings hold no queries",
    "apps": "app configs register signal receivers and proofs, no tenant reads",
    "context": "portal/tenancy/context.py builds the actor itself, from the user's memberships",
    "emails": "email context builders render a row the outbox already addressed, in a worker",
    "tokens": "a signed link is the capability: its reader loads the one object it names",
}
# A reason names what makes the read safe: who acts, or what already scoped the object.
REASON_WORDS = {
    "actor",
    "scoped",
    "scoping",
    "selector",
    "outbox",
    "worker",
    "sweeper",
    "nightly",
    "operators",
    "uploader",
    "upload",
    "beat",
    "signed",
    "token",
    "link",
    "proof",
    "proves",
    "staff",
    "operator",
    "agreement's",
    "already",
    "rule",
    "visible_to",
}
JUSTIFIED = "# scoping:"
ORGANIZATION_ATTRIBUTES = {
    "organization",
    "customer_organization",
    "partner_organization",
    "partner_of_record",
}


def tenant_models() -> dict[str, type[models.Model]]:
    """Every model with a path of foreign keys (or one-to-ones) to an organization or an
    agreement, by class name, the roots included."""
    roots = {apps.get_model(label) for label in ROOTS}
    tenant: set[type[models.Model]] = set(roots)
    ours = {
        "accounts",
        "tenancy",
        "audit",
        "agreements",
        "benefits",
        "notifications",
        "portal",
        "command_center",
        "webhooks",
        "alerts",
    }
    candidates = [model for model in apps.get_models() if model._meta.app_label in ours]
    changed = True
    while changed:
        changed = False
        for model in candidates:
            if model in tenant:
                continue
            targets = {
                field.related_model
                for field in model._meta.get_fields()
                if field.concrete and field.is_relation and (field.many_to_one or field.one_to_one)
            }
            if targets & tenant:
                tenant.add(model)
                changed = True
    return {model.__name__: model for model in tenant}


def organization_related_managers() -> set[str]:
    """The reverse accessors of an organization that reach tenant models."""
    organization = apps.get_model(ROOTS[0])
    names = tenant_models().keys()
    return {
        relation.get_accessor_name()
        for relation in organization._meta.related_objects
        if relation.related_model.__name__ in names
    }


def excluded_reason(path: Path, root: Path) -> str | None:
    parts = path.relative_to(root).with_suffix("").parts
    for part in parts:
        stem = part.split("_")[0] if part.startswith(("services", "selectors")) else part
        if stem in EXCLUDED:
            return EXCLUDED[stem]
    return None


def checked_files(root: Path) -> list[Path]:
    return [
        path
        for directory in APP_DIRS
        for path in sorted((root / directory).rglob("*.py"))
        if excluded_reason(path, root) is None
    ]


def is_real_reason(comment: str) -> bool:
    words = comment.lower().replace(",", " ").replace(":", " ").split()
    return len(words) >= 2 and bool(REASON_WORDS & set(words))


@dataclass(frozen=True)
class Finding:
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where} {self.what}"


class _Visitor(ast.NodeVisitor):
    def __init__(self, tenant: Iterable[str], related: set[str]):
        self.tenant = set(tenant)
        self.related = related
        self.aliases: dict[str, str] = {}
        self.found: list[tuple[int, str]] = []
        # Managers reached as `Model.objects.visible_to(actor)`: the scoping path itself.
        self.scoped: set[int] = set()

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name in self.tenant:
                self.aliases[alias.asname or alias.name] = alias.name

    def _model(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name) and node.id in self.aliases:
            return self.aliases[node.id]
        if isinstance(node, ast.Name) and node.id in self.tenant:
            return node.id
        if isinstance(node, ast.Attribute) and node.attr in self.tenant:
            return node.attr  # models.Agreement
        return None

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in {"visible_to", "for_org"}:
            self.scoped.add(id(node.value))
        managers = {"objects", "_default_manager", "_base_manager"}
        if node.attr in managers and id(node) not in self.scoped and self._model(node.value):
            model = self._model(node.value)
            self.found.append((node.lineno, f"{model}.{node.attr}"))
        if (
            node.attr in self.related
            and isinstance(node.value, ast.Attribute)
            and node.value.attr in ORGANIZATION_ATTRIBUTES
        ):
            self.found.append((node.lineno, f"related manager .{node.value.attr}.{node.attr}"))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        function = node.func
        name = getattr(function, "attr", None) or getattr(function, "id", "")
        shortcut = name in {"get_object_or_404", "get_list_or_404"} and node.args
        if shortcut and (model := self._model(node.args[0])):
            self.found.append((node.lineno, f"{name}({model}, ...)"))
        if name == "get_model":
            self.found.append((node.lineno, "apps.get_model(...)"))
        self.generic_visit(node)


def unscoped_uses(path: Path, root: Path, *, tenant=None, related=None) -> list[Finding]:
    source = path.read_text()
    lines = source.splitlines()
    visitor = _Visitor(
        tenant if tenant is not None else tenant_models(),
        related if related is not None else organization_related_managers(),
    )
    visitor.visit(ast.parse(source, filename=str(path)))
    findings = []
    for lineno, what in visitor.found:
        # The reason stands on the line, or on a comment line of its own just above.
        above = lines[lineno - 2].strip() if lineno > 1 else ""
        comment = (
            lines[lineno - 1].partition(JUSTIFIED)[2]
            or (above.partition(JUSTIFIED)[2] if above.startswith("#") else "")
        ).strip()
        if not is_real_reason(comment):
            findings.append(Finding(f"{path.relative_to(root)}:{lineno}", what))
    return findings
