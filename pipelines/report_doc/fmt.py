"""Swedish formatting for the printed report: decimal comma, one decimal, a space between
thousands, a real minus sign, and the words the council reads."""
from __future__ import annotations

import re

import datetime as dt
import math

NBSP = "\u00a0"
MINUS = "\u2212"

# status -> (css class, symbol, Swedish text). Okabe-Ito colours in report.css; the symbol
# carries the meaning on its own (colour-blind readers, black-and-white print).
STATUS = {
    "uppfyllt": {"cls": "met", "symbol": "\u2714", "text": "uppfyllt"},
    "delvis uppfyllt": {"cls": "partly", "symbol": "\u25d0", "text": "delvis uppfyllt"},
    "ej uppfyllt": {"cls": "notmet", "symbol": "\u2716", "text": "ej uppfyllt"},
    "kan ej bedömas": {"cls": "none", "symbol": "\u25cb", "text": "kan ej bedömas"},
}
STATUS_ORDER = ("uppfyllt", "delvis uppfyllt", "ej uppfyllt", "kan ej bedömas")

LEVELS = {
    "vision": "Vision",
    "kommunfullmaktige": "Kommunfullmäktiges mål",
    "namnd": "Nämndmål",
    "delmal": "Delmål",
}

ACTIVITY_STATUS = {"planerad": "planerad", "pagaende": "pågående", "klar": "klar", "installd": "inställd"}

TREND = {"förbättrad": "förbättrad", "försämrad": "försämrad", "oförändrad": "oförändrad"}

UNIT_TEXT = {"index": "index 0–100", "procent": "andel i procent", "antal": "antal", "varde": "värde"}

MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
          "oktober", "november", "december")

SUPPRESSED = "för få svar"
MISSING = "värde saknas"

RULES = {  # the run report's rule codes, in words
    "indicator_without_value": "indikatorn saknar värde för året",
    "value_moved": "värdet har ändrats mer än 15 enheter sedan föregående år",
    "answers_changed": "antalet svar har ändrats mer än hälften sedan föregående år",
    "required_column": "obligatorisk kolumn saknas",
    "required_value": "obligatoriskt värde saknas",
    "unknown_column": "okänd kolumn",
    "unknown_unit": "okänd enhet",
    "unknown_parent": "okänd överordnad",
    "unknown_measure": "okänt mått",
    "unique_id": "id förekommer flera gånger",
    "within_scale": "svar utanför skalan",
    "weight_positive": "vikten måste vara större än 0",
    "allowed_value": "otillåtet värde",
    "one_root": "organisationen ska ha exakt en rot",
    "self_parent": "är sin egen överordnade",
    "missing_file": "fil saknas",
    "empty_file": "tom fil",
    "file_name": "felaktigt filnamn",
    "file_rules": "filen följer inte reglerna",
    "code_format": "felaktig kod",
    "kolada_gender": "okänt kön i Kolada-data",
    "kolada_period": "felaktig period i Kolada-data",
    "kolada_shape": "Kolada-filen har fel form",
    "styrmodell_shape": "styrmodellen har fel form",
    "styrmodell_value": "felaktigt värde i styrmodellen",
    "tree": "organisationen eller målhierarkin är inte ett träd",
    "parse": "filen kan inte läsas in",
    "encoding": "filen har okänd teckenkodning",
    "header": "felaktig rubrikrad",
    "duplicate_column": "kolumnen förekommer flera gånger",
    "group_unit": "måtten i en grupp har olika enheter",
    "kommunkod": "ogiltig kommunkod",
    "kolada_value": "felaktigt värde i Kolada-data",
    "line_too_long": "en rad är för lång",
    "not_finite": "talet är inte ändligt",
    "wrong_type": "värdet har fel typ",
    "duplicate_key": "nyckeln förekommer flera gånger",
    "yaml_anchor": "YAML-ankare och alias är inte tillåtna",
    "suppression_limit": "minsta antal svar måste vara ett heltal, minst 3",
    "link_outside_raw": "filen är en länk ut ur rådatakatalogen",
    "unreadable": "filen kan inte läsas",
    "file_name_encoding": "filnamnet är inte UTF-8",
    "catalogue_unreadable": "frågekatalogen kan inte läsas",
    "unknown_key": "okänd nyckel",
    "ingest_failed": "filerna kunde inte läsas in",
    "not_built": "året kunde inte beräknas",
    "not_gated": "körningen avbröts innan året kontrollerades",
    "kolada": "fler fel i Kolada-filen",
}
RULE_PREFIXES = {  # rules with a name after the colon: dbt's tests and models, a failed step
    "dbt_test": "en datakontroll i dbt underkändes",
    "dbt_unit_test": "ett enhetstest i dbt underkändes",
    "dbt_model": "en modell i dbt kunde inte byggas",
    "dbt_seed": "en referenstabell i dbt kunde inte läsas",
    "step_failed": "körningen avbröts",
    "gx": "en datakvalitetskontroll underkändes",
}


def rule_text(rule: str) -> str:
    """A run report's rule code in Swedish words: the printed report shows this, never the message
    (which may quote a value)."""
    if rule in RULES:
        return RULES[rule]
    head = re.split(r"[:.]", rule, maxsplit=1)[0]
    return RULE_PREFIXES.get(head) or RULE_PREFIXES.get(rule.split("_", 1)[0]) or "en kontroll underkändes"
SEVERITY = {"error": "fel", "warning": "varning"}


def is_num(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def num(x, decimals: int = 1, sign: bool = False) -> str:
    """80.61 -> '80,6'; 1234.5 -> '1 234,5'; -2.18 -> '−2,2'; sign=True puts '+' on positives."""
    if not is_num(x):
        return "–"
    s = f"{abs(float(x)):,.{decimals}f}".replace(",", NBSP).replace(".", ",")
    if float(s.replace(NBSP, "").replace(",", ".")) == 0:
        return s if not sign else f"±{s}"
    if x < 0:
        return MINUS + s
    return ("+" + s) if sign else s


def integer(x) -> str:
    return "–" if not is_num(x) else f"{int(x):,}".replace(",", NBSP)


def value(x, unit: str | None, sign: bool = False) -> str:
    """A measure's value in its unit: index '80,6', procent '80,6 %', antal '1 234'."""
    if not is_num(x):
        return "–"
    if unit == "antal" and float(x).is_integer() and not sign:
        return integer(x)
    s = num(x, 1, sign=sign)
    return f"{s}{NBSP}%" if unit == "procent" else s


def timestamp(ts) -> str:
    if ts is None:
        return "okänt"
    if isinstance(ts, str):
        ts = dt.datetime.fromisoformat(ts)
    return f"{ts.day} {MONTHS[ts.month - 1]} {ts.year} kl.{NBSP}{ts:%H.%M}"


def genitive(name: str) -> str:
    """Katrineholm -> Katrineholms; Borås -> Borås."""
    return name if name[-1:].lower() in ("s", "x", "z") else name + "s"


def trend_arrow(change, trend) -> str:
    if trend is None or not is_num(change):
        return ""
    if trend == "oförändrad":
        return "\u2192"  # →
    return "\u2191" if change > 0 else "\u2193"
