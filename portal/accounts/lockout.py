def lockout_username(request, credentials: dict | None) -> str:
    """The name axes counts failed sign-ins under: the address, lowercased, on every form
    (ours and the admin's), so that changing the case of a letter buys no extra guesses."""
    return ((credentials or {}).get("username") or "").strip().lower()
