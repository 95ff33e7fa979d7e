"""The benefit packages on offer, as data. A migration installs them; operators edit them in
the admin afterwards. `catalogue_install` also puts them back after a test flushes the
database (see tests/benefits/conftest.py)."""

PRODUCTS = [
    # code, name, kind, instructions, manage url
    (
        "office-professional-plus",
        "Office Professional Plus 2024",
        "software",
        "Each key activates up to 10 computers of your organization for internal use. "
        "Activate within 30 days of installation.",
        "",
    ),
    (
        "windows-11-pro",
        "Windows 11 Pro",
        "software",
        "Use one key per computer. Upgrade installations keep their files.",
        "",
    ),
    (
        "sql-server-standard",
        "SQL Server 2022 Standard",
        "software",
        "Enter the key during setup, on the Product Key page.",
        "",
    ),
    (
        "azure-credit",
        "Microsoft Azure (usage-based)",
        "cloud_usage",
        "The monthly credit renews on the first of each month; unused credit does not carry over.",
        "https://portal.azure.com/",
    ),
    (
        "microsoft-365-business",
        "Microsoft 365 Business Premium",
        "cloud_licence",
        "Sign in to the Microsoft 365 admin center as an administrator of your organization, "
        "open Billing > Add a product key, paste the key and confirm.",
        "https://admin.microsoft.com/",
    ),
    (
        "vs-enterprise",
        "Visual Studio Enterprise subscription",
        "visual_studio",
        "",
        "https://my.visualstudio.com/",
    ),
    (
        "vs-professional",
        "Visual Studio Professional subscription",
        "visual_studio",
        "",
        "https://my.visualstudio.com/",
    ),
    (
        "support-incidents",
        "Product support incidents",
        "support",
        "Open a request on the support site with your access ID, or call the number in your "
        "welcome email.",
        "https://support.partner-portal.example/",
    ),
    (
        "advisory-hours",
        "Partner advisory hours",
        "support",
        "Book a session with a technical consultant on the support site.",
        "https://support.partner-portal.example/advisory/",
    ),
]

# What each software product is downloaded as, per operating system.
DOWNLOADS = {
    "office-professional-plus": {
        "windows-64": ["Office Professional Plus 2024 (64-bit).img"],
        "windows-32": ["Office Professional Plus 2024 (32-bit).img"],
        "macos": ["Office 2024 for Mac.pkg"],
    },
    "windows-11-pro": {
        "windows-64": ["Windows 11 Pro (x64).iso"],
    },
    "sql-server-standard": {
        "windows-64": ["SQL Server 2022 Standard (x64).iso"],
    },
}
DOWNLOAD_LANGUAGES = ["en", "fr", "de", "es"]
DOWNLOAD_BASE_URL = "https://downloads.partner-portal.example"

PACKAGES = [
    # code, name, description, action pack, minimum level, grants (product, quantity, unit, keys)
    (
        "action-pack",
        "Action Pack",
        "Software, cloud services and Visual Studio subscriptions to build and run your "
        "business, renewed each membership year.",
        True,
        "",
        [
            ("office-professional-plus", 10, "licences", 1),
            ("windows-11-pro", 10, "licences", 2),
            ("azure-credit", 100, "azure_credit", 0),
            ("microsoft-365-business", 5, "licences", 1),
            ("vs-professional", 3, "seats", 0),
            ("support-incidents", 2, "incidents", 0),
        ],
    ),
    (
        "silver-application-development",
        "Silver competency: Application Development",
        "For partners who build applications: development tools, databases and Azure credit.",
        False,
        "silver",
        [
            ("vs-enterprise", 5, "seats", 0),
            ("sql-server-standard", 2, "licences", 1),
            ("azure-credit", 150, "azure_credit", 0),
            ("support-incidents", 10, "incidents", 0),
        ],
    ),
    (
        "gold-cloud-platform",
        "Gold competency: Cloud Platform",
        "For partners who run their customers' workloads in the cloud.",
        False,
        "gold",
        [
            ("azure-credit", 300, "azure_credit", 0),
            ("vs-enterprise", 10, "seats", 0),
            ("support-incidents", 20, "incidents", 0),
            ("advisory-hours", 20, "hours", 0),
        ],
    ),
]


def _slug(label: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in label.lower()).strip("-")


def catalogue_install(*, product_model, link_model, package_model, grant_model) -> None:
    """Create whatever is missing of the catalogue; what exists is left as operators made it."""
    products = {}
    for code, name, kind, instructions, manage_url in PRODUCTS:
        products[code], _ = product_model.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "instructions": instructions,
                "manage_url": manage_url,
            },
        )
    for code, systems in DOWNLOADS.items():
        for operating_system, files in systems.items():
            for language in DOWNLOAD_LANGUAGES:
                for label in files:
                    link_model.objects.get_or_create(
                        product=products[code],
                        language=language,
                        operating_system=operating_system,
                        label=label,
                        defaults={
                            "url": f"{DOWNLOAD_BASE_URL}/{code}/{language}/{_slug(label)}",
                        },
                    )
    for order, (code, name, description, action_pack, level, grants) in enumerate(PACKAGES):
        package, _ = package_model.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "is_action_pack": action_pack,
                "minimum_level": level,
                "sort_order": order,
            },
        )
        for product, quantity, unit, keys in grants:
            grant_model.objects.get_or_create(
                package=package,
                product=products[product],
                defaults={"quantity": quantity, "unit": unit, "key_count": keys},
            )


def catalogue_install_current() -> None:
    from .models import BenefitPackage, BenefitProduct, DownloadLink, PackageGrant

    catalogue_install(
        product_model=BenefitProduct,
        link_model=DownloadLink,
        package_model=BenefitPackage,
        grant_model=PackageGrant,
    )
    catalogue_translate(product_model=BenefitProduct, package_model=BenefitPackage)


# The catalogue in French (django-modeltranslation's `_fr` fields); what is missing here shows
# in English. code: (name, instructions) for products, (name, description) for packages.
PRODUCTS_FR = {
    "office-professional-plus": (
        "Office Professional Plus 2024",
        "Chaque clé active jusqu'à 10 ordinateurs de votre organisation pour un usage "
        "interne. Activez-la dans les 30 jours qui suivent l'installation.",
    ),
    "windows-11-pro": (
        "Windows 11 Pro",
        "Une clé par ordinateur. Une mise à niveau conserve les fichiers.",
    ),
    "sql-server-standard": (
        "SQL Server 2022 Standard",
        "Saisissez la clé pendant l'installation, à la page Clé de produit.",
    ),
    "azure-credit": (
        "Microsoft Azure (à l'usage)",
        "Le crédit mensuel se renouvelle le 1er de chaque mois\u00a0; le crédit non utilisé "
        "n'est pas reporté.",
    ),
    "microsoft-365-business": (
        "Microsoft 365 Business Premium",
        "Connectez-vous au centre d'administration Microsoft 365 en tant qu'administrateur de "
        "votre organisation, ouvrez Facturation > Ajouter une clé de produit, collez la clé et "
        "confirmez.",
    ),
    "vs-enterprise": ("Abonnement Visual Studio Enterprise", ""),
    "vs-professional": ("Abonnement Visual Studio Professional", ""),
    "support-incidents": (
        "Incidents de support produit",
        "Ouvrez une demande sur le site du support avec votre identifiant d'accès, ou appelez "
        "le numéro indiqué dans votre e-mail de bienvenue.",
    ),
    "advisory-hours": (
        "Heures de conseil pour partenaires",
        "Réservez une session avec un consultant technique sur le site du support.",
    ),
}
PACKAGES_FR = {
    "action-pack": (
        "Action Pack",
        "Logiciels, services cloud et abonnements Visual Studio pour développer et faire "
        "tourner votre activité, renouvelés à chaque année d'adhésion.",
    ),
    "silver-application-development": (
        "Compétence Silver\u00a0: Application Development",
        "Pour les partenaires qui développent des applications\u00a0: outils de "
        "développement, bases de données et crédit Azure.",
    ),
    "gold-cloud-platform": (
        "Compétence Gold\u00a0: Cloud Platform",
        "Pour les partenaires qui exploitent dans le cloud les charges de travail de leurs "
        "clients.",
    ),
}


def _blank(field: str):
    from django.db.models import Q

    return Q(**{f"{field}__isnull": True}) | Q(**{field: ""})


def catalogue_translate(*, product_model, package_model) -> None:
    """Fill the English and French texts of the catalogue that are still blank (operators'
    own texts are kept)."""
    english = {code: (name, instructions) for code, name, _k, instructions, _u in PRODUCTS}
    for model, texts, fields in (
        (product_model, english, ("name", "instructions")),
        (product_model, PRODUCTS_FR, ("name", "instructions")),
        (
            package_model,
            {code: (name, description) for code, name, description, *_ in PACKAGES},
            ("name", "description"),
        ),
        (package_model, PACKAGES_FR, ("name", "description")),
    ):
        language = "fr" if texts in (PRODUCTS_FR, PACKAGES_FR) else "en"
        for code, values in texts.items():
            for field, value in zip(fields, values, strict=True):
                column = f"{field}_{language}"
                model.objects.filter(_blank(column), code=code).update(**{column: value})
