"""Words as a village secretary writes them in a letter: "SITI AMINAH BINTI H. AHMAD" ->
"Siti Aminah binti H. Ahmad", "KP. SUKAMAJU RT 01" -> "Kp. Sukamaju RT 01",
"DUSUN II" -> "Dusun II", "PETANI/PEKEBUN" -> "Petani/Pekebun".

The register (OpenSID, Dukcapil) writes everything in capitals and residents type in any
case; both go through here before a letter prints them.
"""

from __future__ import annotations

import re

# Joining words of names and places, lower case unless they open the text.
_LOWER_WORDS = frozenset({"bin", "binti", "van", "der", "de", "al", "dan"})
# Abbreviations written in capitals on KTP, KK and letters.
_ACRONYMS = frozenset(
    {"RT", "RW", "KK", "NIK", "WNI", "WNA", "PNS", "TNI", "POLRI", "BUMN", "BUMD", "DPR",
     "DPRD", "SD", "SMP", "MTS", "SMA", "SMK", "SLTP", "SLTA", "YME", "UMKM",
     "PT", "CV", "UD", "TKI", "TKW"}
)  # fmt: skip
# I to XXXIX: dusun, blok and generation numbers ("Dusun II", "Hamengku Buwono X").
# Longer numerals would swallow ordinary words ("DI", "MIX", "CIVIL").
_ROMAN = re.compile(r"^X{0,3}(IX|IV|V?I{0,3})$")
# Letters (with what joins them inside a word: apostrophes) versus everything else.
_PIECES = re.compile(r"([^\W\d_](?:[^\W\d_]|['\u2019`](?=[^\W\d_]))*)")


def _word_part(part: str) -> str:
    upper = part.upper()
    if upper in _ACRONYMS or (upper and _ROMAN.match(upper)):
        return upper
    return part[:1].upper() + part[1:].lower()


def _word(word: str, first: bool) -> str:
    if not first and word.lower() in _LOWER_WORDS:
        return word.lower()
    # Each run of letters on its own: after a hyphen, slash, dot or bracket a new part
    # starts ("Al-Fatih", "Petani/Pekebun", "(PNS)"); "Nur'aini" stays one part.
    return _PIECES.sub(lambda m: _word_part(m.group(1)), word)


def proper_case(text: str) -> str:
    """'siti AMINAH binti h. ahmad' -> 'Siti Aminah binti H. Ahmad'; 'hj.' -> 'Hj.',
    'rt' -> 'RT', 'ii' -> 'II'; spaces collapsed."""
    return " ".join(_word(w, i == 0) for i, w in enumerate(text.split()))
