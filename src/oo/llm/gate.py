"""The safety gate: every generated tip passes here before it is stored.

It turns the rubric of a good tip (docs/llm.md) into code. A tip is rejected, with one
reason from REASONS, when it is not one sentence of at most MAX_CHARS characters in the
second person; when it is not in the person's language; when it has an exclamation mark;
when it gives medical, financial or credential advice or asks for personal data; when it
holds a URL, an e-mail address or a phone number; when it copies text from the prompt's
untrusted fields (habit names, mood notes); or when its category is not one the library
knows. Any error inside the gate rejects the tip ("gate_error"): nothing gets through by
accident.

Language identification uses py3langid (langid.py's maintained fork, model shipped in the
wheel). It loads only in the generator child, on the first call of `check`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from typing import Any

MAX_CHARS = 100
NGRAM = 3  # words a tip may share in a row with an untrusted field, less one

# The order the checks run in; the first that fails names the reason.
REASONS: dict[str, str] = {
    "gate_error": "the gate itself failed, so the tip was rejected",
    "empty": "no text",
    "too_long": f"longer than {MAX_CHARS} characters",
    "not_one_sentence": "more than one sentence, a line break or markup",
    "exclamation": "an exclamation mark",
    "contact": "a URL, e-mail address or phone number",
    "credentials": "asks for a password, code or personal data",
    "medical": "medication, dosing, diagnosis or other medical instruction",
    "money": "advice on money, investing or crypto",
    "echo": "text copied from the prompt's untrusted data",
    "not_second_person": "not addressed to the person (first or third person)",
    "category": "a category the library does not know",
    "language": "not in the person's language",
}

# Languages told apart when identifying a tip's language; the person's is always added.
LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt", "sv", "da", "no", "pl")
MIN_LANGUAGE_SHARE = 0.2  # the person's language must be first or at least this likely

_URL = re.compile(
    r"(?i)(?:[a-z][a-z0-9+.-]*://|www\.|\b[\w-]+\.(?:com|net|org|io|ai|dev|app|co|me|ly|de"
    r"|fr|es|it|nl|uk|info|biz|xyz|gg|tv|us|eu)\b)"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\b\w+\s?\(at\)\s?\w+")
_PHONE = re.compile(r"\+?\(?\d[\d\s().\/-]{5,}\d")
_SENTENCE_END = re.compile(r"[.?;:…](?=\s+\S)|[\n\r]")
_MARKUP = re.compile(r"[<>`*_#|\[\]{}\\]")
_EXCLAMATION = re.compile("[!\u00a1\uff01]")

# Words and stems per rule, in the languages above. Matched on whole words (a stem ending in
# "*" matches any ending), case and accents ignored.
# fmt: off
_WORDS: dict[str, tuple[str, ...]] = {
    "credentials": (
        # en
        "password*", "passcode*", "passphrase*", "pin code*", "your pin", "otp", "2fa", "mfa",
        "login*", "log in", "sign in", "credential*", "username*", "verification code*",
        "security code*", "one time code*", "access code*", "recovery code*", "code you*",
        "your code", "the code", "social security", "ssn", "iban", "account number*",
        "card number*", "bank details", "date of birth", "personal data", "personal details",
        "personal information", "home address", "id number", "passport number*",
        "security team", "verify your account", "confirm your account", "seed phrase*",
        "private key*",
        # de
        "passwort*", "kennwort*", "zugangsdat*", "geheimzahl*", "anmeldedat*",
        "kontonummer*", "bankdat*", "geburtsdatum", "personalausweis*", "deinen code",
        # fr
        "mot de passe", "mots de passe", "identifiant*", "code secret", "coordonnees bancaires",
        "numero de carte", "date de naissance",
        # es / it / pt / nl
        "contrasena*", "clave*", "codigo*", "datos personales", "numero de cuenta",
        "fecha de nacimiento", "codice*", "dati personali", "senha*", "wachtwoord*",
        "inloggegevens", "pincode*",
    ),
    "medical": (
        # en
        "mg", "mcg", "µg", "ml", "milligram*", "microgram*", "dose", "doses", "dosage*",
        "dosing", "overdos*", "medication*", "medicine*", "medicat*", "meds", "pill", "pills",
        "capsule*", "prescri*", "antidepress*", "antibiotic*", "ibuprofen",
        "paracetamol", "acetaminophen", "aspirin", "naproxen", "opioid*", "codeine",
        "benzodiazepine*", "xanax", "valium", "sertraline", "prozac", "ssri*", "melatonin",
        "insulin", "statin*", "supplement*", "vitamin*", "diagnos*", "symptom*", "disorder*",
        "disease*", "syndrome", "depression", "adhd", "bipolar", "diabetes", "cancer",
        "tumor*", "tumour*", "infection*", "blood pressure", "heart attack", "doctor*",
        "physician*", "psychiatrist*", "therapist*", "therapy", "clinic", "hospital*",
        "pharmac*", "drug", "drugs", "cure*", "detox*", "fasting",
        # de
        "medikament*", "tablette*", "dosis", "arznei*", "arzt", "arztin", "diagnose*",
        "krankheit*", "schmerzmittel*", "apotheke*",
        # fr
        "medicament*", "comprime*", "ordonnance*", "medecin*", "maladie*",
        # es / it / pt / nl
        "medicamento*", "pastilla*", "medico*", "enfermedad*", "farmac*",
        "medicina*", "compressa*", "malattia*", "remedio*", "medicijn*", "pil", "pillen",
        "dokter*", "ziekte*",
    ),
    "money": (
        # en
        "money", "invest*", "stocks", "stock market*", "shares", "bonds", "etf*", "fund", "funds",
        "crypto*", "bitcoin*", "btc", "ethereum", "eth", "nft*", "token*", "altcoin*",
        "blockchain", "trading", "forex", "portfolio*", "savings", "loan*", "debt*",
        "mortgage*", "credit card*", "credit score*", "interest rate*", "dividend*", "profit*",
        "wealth*", "cash", "dollar*", "euro", "euros", "bank", "banks", "banking", "broker*",
        "retirement",
        "pension*", "insurance", "tax", "taxes", "lottery", "gambl*", "bet", "bets",
        "casino*",
        # de
        "geld", "investier*", "aktie*", "ersparnis*", "kredit*", "schulden", "zinsen",
        "krypto*", "sparkonto*", "rente", "borse*",
        # fr
        "argent", "investi*", "bourse", "epargne*", "pret", "dette*",
        # es / it / pt / nl
        "dinero", "invertir", "inversion*", "ahorro*", "prestamo*", "deuda*", "soldi",
        "investire", "risparmi*", "prestito*", "debito*", "dinheiro", "poupanca*", "beleg*",
        "aandel*", "spaargeld", "lening*",
    ),
}
# fmt: on
_SYMBOLS = {"money": re.compile(r"[$€£¥₿]")}

# Subjects that make a tip first or third person, per language.
_FIRST_PERSON = re.compile(r"\bI\b|\bI'(?:m|ve|ll|d)\b")
# fmt: off
_NOT_SECOND = (
    # en
    "me", "my", "mine", "myself", "we", "us", "our", "ours", "ourselves", "the user",
    "the person", "this person", "users", "he", "she", "his", "him", "hers", "one should",
    "they should", "people should", "someone should", "as an ai", "language model",
    # de
    "ich", "mich", "mein*", "wir", "uns", "unser*", "der nutzer", "die nutzerin",
    "der benutzer", "er sollte", "sie sollte",
    # fr
    "je", "moi", "mon", "nous", "notre", "nos", "l'utilisateur", "il devrait",
    "elle devrait",
    # es / it / pt / nl
    "yo", "mi", "nosotros", "nuestro*", "el usuario", "io", "noi", "il mio", "la mia",
    "l'utente", "eu", "nos", "o usuario", "ik", "mij", "mijn", "wij", "ons", "onze",
    "de gebruiker",
)
# fmt: on


def _fold(text: str) -> str:
    """Lower case without accents, words split on anything but letters, digits and '."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w'µ]+", " ", plain).split())


def _pattern(words: Iterable[str]) -> re.Pattern[str]:
    parts = []
    for word in words:
        stem = word.endswith("*")
        body = re.escape(_fold(word.rstrip("*"))).replace(r"\ ", r"\s+")
        parts.append(body + (r"\w*" if stem else ""))
    return re.compile(r"(?<![\w'])(?:" + "|".join(parts) + r")(?![\w'])")


_RULES = {reason: _pattern(words) for reason, words in _WORDS.items()}
_NOT_SECOND_RE = _pattern(_NOT_SECOND)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", _fold(text))


def _ngrams(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def echoes(text: str, untrusted: Iterable[str], n: int = NGRAM) -> bool:
    """Whether the tip shares a run of n words with any untrusted field (or is one of them)."""
    tip = _words(text)
    grams = _ngrams(tip, n)
    for field in untrusted:
        words = _words(field)
        if not words:
            continue
        if len(words) < n:
            if " ".join(words) == " ".join(tip):
                return True
            continue
        if grams & _ngrams(words, n):
            return True
    return False


@cache
def _identifier(language: str) -> Any:
    # heavy (numpy and a 4 MB model): loads only in the generator child
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(sorted({*LANGUAGES, language}))
    return identifier


def load_language_model(language: str) -> None:
    """Load the language model now (the generator does this before its deadline starts)."""
    _identifier(language)


def in_language(text: str, language: str) -> bool:
    """Whether `text` reads as `language` (an ISO 639-1 code)."""
    ranked = _identifier(language).rank(text)
    share = dict(ranked).get(language, 0.0)
    return bool(ranked and (ranked[0][0] == language or share >= MIN_LANGUAGE_SHARE))


def _reason(
    text: str, category: str, *, language: str, categories: Iterable[str], untrusted: list[str]
) -> str | None:
    text = text.strip()
    if not text:
        return "empty"
    if len(text) > MAX_CHARS:
        return "too_long"
    if _SENTENCE_END.search(text) or _MARKUP.search(text) or not text.isprintable():
        return "not_one_sentence"
    if _EXCLAMATION.search(text):
        return "exclamation"
    if _URL.search(text) or _EMAIL.search(text) or _PHONE.search(text):
        return "contact"
    folded = _fold(text)
    for reason in ("credentials", "medical", "money"):
        if _RULES[reason].search(folded) or (reason in _SYMBOLS and _SYMBOLS[reason].search(text)):
            return reason
    if echoes(text, untrusted):
        return "echo"
    if _FIRST_PERSON.search(text) or _NOT_SECOND_RE.search(folded):
        return "not_second_person"
    if category not in set(categories):
        return "category"
    if not in_language(text, language):
        return "language"
    return None


def check(
    text: str,
    category: str,
    *,
    language: str,
    categories: Iterable[str],
    untrusted: Iterable[str] = (),
) -> str | None:
    """None when the tip may be stored, else the reason (a key of REASONS) it may not."""
    try:
        return _reason(
            text,
            category,
            language=language,
            categories=tuple(categories),
            untrusted=[u for u in untrusted if u],
        )
    except Exception:
        return "gate_error"
