"""Terminal-safe text: the one sanitizer for every provider string that reaches a person.

A task title, an account name, a calendar's file name or a provider's error code can hold
escape sequences (clear the screen, set the terminal title, hide text), C0/C1 controls,
bidi overrides that reorder what follows, and zero-width characters that hide or join
text. `sanitize` removes those and keeps what people write: emoji joined with zero-width
joiners (👩‍💻, 🏳️‍🌈), flag tag sequences, right-to-left text and its marks (LRM, RLM, ALM),
and the zero-width non-joiner between letters (Persian, Indic scripts). Line breaks and
tabs become spaces, so the result is one line. Standard library only (it is on `oo tip`'s
path).
"""

from __future__ import annotations

import re
import unicodedata

# ESC and 8-bit C1 sequences: CSI, OSC/DCS/SOS/PM/APC strings, and two-character escapes.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
_SPACES = re.compile(r"[ \t\n\r\f\v\u2028\u2029\x85]+")
ZWJ, ZWNJ = "\u200d", "\u200c"
# Format characters (Cf) that carry meaning in real text: kept wherever they are.
_KEPT_FORMAT = {"\u200e", "\u200f", "\u061c"}  # LRM, RLM, ALM
_VS16 = "\ufe0f"
_BLACK_FLAG = "\U0001f3f4"


def _emoji(char: str) -> bool:
    """A character that can sit on either side of a ZWJ in an emoji sequence."""
    if char in (_VS16, "\u20e3"):
        return True
    code = ord(char)
    if 0x1F3FB <= code <= 0x1F3FF:  # skin tones
        return True
    return unicodedata.category(char) == "So"


def _letter(char: str) -> bool:
    return unicodedata.category(char)[0] in ("L", "M")


def sanitize(text: object, *, limit: int | None = None) -> str:
    """`text` as one safe line: no escapes, controls, bidi overrides or zero-width tricks;
    emoji sequences and right-to-left text intact. Cut to `limit` characters if given."""
    raw = text if isinstance(text, str) else str(text)
    raw = _ESCAPES.sub("", _SPACES.sub(" ", raw))
    out: list[str] = []
    in_flag = False
    for i, char in enumerate(raw):
        category = unicodedata.category(char)
        if category in ("Cc", "Cs", "Zl", "Zp"):
            continue
        if category == "Cf":
            after = raw[i + 1] if i + 1 < len(raw) else ""
            before = out[-1] if out else ""
            keep = char in _KEPT_FORMAT
            if char == ZWJ:
                keep = bool(before and after) and _emoji(before) and _emoji(after)
            elif char == ZWNJ:
                keep = bool(before and after) and _letter(before) and _letter(after)
            elif 0xE0020 <= ord(char) <= 0xE007F:  # tags: only in a flag's tag sequence
                keep = in_flag
            if not keep:
                continue
        in_flag = char == _BLACK_FLAG or (in_flag and 0xE0020 <= ord(char) <= 0xE007E)
        out.append(char)
    clean = _SPACES.sub(" ", "".join(out)).strip()  # spaces left around removed characters
    if limit is not None and len(clean) > limit:
        clean = clean[: max(0, limit - 1)].rstrip() + "…"
    return clean
