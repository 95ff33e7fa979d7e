def actor(request) -> dict:
    return {"actor": getattr(request, "actor", None)}
