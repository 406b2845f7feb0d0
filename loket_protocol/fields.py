"""Field formats that both the server and the kiosk check, written once."""

from __future__ import annotations

import re

# An Indonesian mobile number: 08..., 628... or +628..., 10 to 15 digits in all.
PHONE_RE = re.compile(r"^(\+62|62|0)8[0-9]{7,12}$")


def normalize_phone(text: str) -> str:
    """Spaces and dashes people type between digit groups removed."""
    return re.sub(r"[\s-]", "", text)
