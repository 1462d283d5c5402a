"""One formulation on one line: ``PEO/LiTFSI 16:1 + 10 wt% LLZTO @ 60 C`` <-> a record in the schema's columns.

Why: a chemist asking about one candidate should not have to write a CSV. The notation is the way papers
write compositions (host/salt, EO:Li ratio, "+ x wt% filler", "@ T"), made exact by a small grammar; every
name is resolved by the catalog and every value checked by the same validation as a CSV row, so a string
and the equivalent CSV row give the same prediction. :func:`format_formulation` writes a record back in
the canonical form, and ``parse_formulation(format_formulation(r)) == r`` for every parsed record.

Grammar (EBNF; spaces are free between symbols, keywords and units are case-insensitive unless quoted
with their case)::

    formulation = host "/" salt { "+" component } { clause } [ ";" cycling ] ;
    host        = polymer [ "/" partner ] ;                 (* PEO/PVDF-HFP/LiTFSI: a blend *)
    polymer     = name [ "(" number ( "g/mol" | "kg/mol" ) ")" ] ;          (* polymer_mw_g_mol *)
    partner     = [ wt ] name [ wt ] ;                      (* polymer2; wt: share of the polymer phase *)
    salt        = [ salt_amount ] name [ salt_amount ] ;
    salt_amount = [ "EO:Li" [ "=" ] ] number ":" "1"        (* salt_eo_li_ratio *)
                | wt                                        (* salt_wt_pct, of polymer + salt *)
                | number ( "m" | "mol/kg" ) ;               (* salt_molality_mol_kg; "M" (mol/L) is refused *)
    component   = [ amount ] ingredient [ amount ] [ "(" detail { "," detail } ")" ] ;
    ingredient  = filler | plasticizer { "/" plasticizer } ; (* EC/PC: one plasticizer mixture *)
    amount      = wt | number "vol%" ;                      (* of the whole electrolyte *)
    wt          = number ( "wt%" | "wt.%" ) ;
    detail      = number ( "nm" | "um" | "µm" )             (* filler_size_nm *)
                | morphology ;                              (* nanoparticle, nanowire(s), ... *)
    clause      = "@" temperature | "via" step { ( "+" | "," | "then" ) step } ;
    temperature = [ "-" ] number ( "C" | "°C" | "degC" | "K" ) | "RT" | "room temperature" ;
    cycling     = [ cathode ] { [ "," ] ( number "C" | "C/" number | number "cycles"
                                        | number "V" | "@" temperature ) } ;
    name        = catalog name or alias | "{" catalog name or SMILES "}" ;
    number      = digits [ "." digits ] [ "e" [ "-" ] digits ] ;

A name in braces is taken verbatim (for names holding ``+``, ``/`` or ``@`` and for SMILES: a polymer
repeat unit ``{[*]CCO[*]}``, a salt or a plasticizer molecule). Temperatures in K are converted to C and
rounded to 0.01 C. A formulation without ``@`` has no temperature: ``cpe-ml predict`` then predicts at
25 C and flags it, exactly as for a CSV row predicted with ``--temperature 25``. The cycling clause
(after ``;``) describes the test of the capacity retention: cathode, C-rate, cycle count, upper cut-off
voltage and cycling temperature. The full description with examples is ``docs/notation.md``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import pandas as pd

from cpe_ml.catalog import Catalog, load_catalog
from cpe_ml.schema import COLUMN_BY_NAME, FILLER_MORPHOLOGIES, ROOM_TEMPERATURE_WORDS

_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_WT = r"(?i:wt\.?\s?%)"
_AMOUNT = re.compile(
    rf"(?P<ratio>(?i:EO\s*:\s*Li\s*=?\s*)?(?P<n>{_NUMBER})\s*:\s*(?P<d>{_NUMBER}))"
    rf"|(?P<num>{_NUMBER})\s*(?P<unit>{_WT}|(?i:vol\.?\s?%)|(?i:mol\s*/\s*kg)|m\b|M\b|%)"
)
_DETAIL = re.compile(rf"(?P<num>{_NUMBER})\s*(?P<unit>nm|um|µm|μm|mm)?", re.IGNORECASE)
_MASS = re.compile(rf"(?P<num>{_NUMBER})\s*(?P<unit>(?i:k?g\s*/\s*mol))?")
_TEMPERATURE = re.compile(rf"(?P<num>[-−]?{_NUMBER})\s*(?P<unit>°\s*C|º\s*C|(?i:degC)|C|K)?\s*$|(?P<words>.+?)\s*$", re.IGNORECASE)
_CYCLING_ITEM = re.compile(
    rf"(?P<cycles>{_NUMBER})\s*(?i:cycles?)\b|(?P<crate>{_NUMBER})\s*C\b|C\s*/\s*(?P<cfrac>{_NUMBER})"
    rf"|(?P<volt>{_NUMBER})\s*V\b|@\s*(?P<temp>[-−]?{_NUMBER})\s*(?P<tunit>°\s*C|º\s*C|(?i:degC)|C|K)?"
)
_UNIT_SLASH = re.compile(r"(?i)mol\s*/\s*kg|k?g\s*/\s*mol")
_VIA = re.compile(r"(?i)(?<!\S)via(?!\S)")
_THEN = re.compile(r"(?i)\s*(?:\+|,|(?<!\S)then(?!\S))\s*")
#: What a second value of a column means in the notation's words.
_TWICE = {
    "temperature_c": "a second temperature: give one '@ T'",
    "temperature_text": "a second temperature: give one '@ T'",
    "filler": "a second filler: a formulation holds one filler (the schema has one filler column)",
    "plasticizer": "a second plasticizer: write a mixture as one component, e.g. + 20 wt% EC/PC",
    "plasticizer_smiles": "a second plasticizer: write a mixture as one component, e.g. + 20 wt% EC/{SMILES}",
    "process": "a second 'via': join the steps, e.g. via solution casting + hot pressing",
}
_PLURAL = {f"{m}s": m for m in FILLER_MORPHOLOGIES}


class FormulationSyntaxError(ValueError):
    """A formulation string that does not parse: ``position`` (0-based) and ``length`` mark the offending
    part; ``str()`` shows the message, the string and a caret line under that part."""

    def __init__(self, text: str, position: int, message: str, length: int = 1):
        self.text, self.position, self.length, self.message = text, position, max(1, length), message
        super().__init__(f"{message}\n  {text}\n  {' ' * position}{'^' * self.length}")


@dataclass
class _Piece:
    """One slot of the formulation after its amounts and details are taken off: the name and what came with it."""

    name: str
    name_start: int
    braced: bool
    amounts: list[re.Match] = field(default_factory=list)  # positions are in the whole string
    details: tuple[str, int] | None = None  # text inside the trailing parentheses, absolute start


class _Parser:
    """Reads the grammar top-down, filling ``record`` and remembering where each column was written."""

    def __init__(self, text: str, catalog: Catalog):
        self.text, self.catalog = text, catalog
        self.record: dict[str, str | float] = {}
        self.spans: dict[str, tuple[int, int]] = {}  # column -> where it was written (for validation issues)
        # the '/' of a unit (1 mol/kg, 600 kg/mol) separates nothing
        self.unit_slashes = {m.start() + m.group().index("/") for m in _UNIT_SLASH.finditer(text)}

    # -- errors and values ---------------------------------------------------------------------------
    def fail(self, start: int, message: str, end: int | None = None):
        raise FormulationSyntaxError(self.text, start, message, (end or start + 1) - start)

    def set(self, column: str, value, start: int, end: int) -> None:
        if column in self.record:
            self.fail(start, _TWICE.get(column, f"{column} given twice") + f" (first at position {self.spans[column][0] + 1})", end)
        self.record[column] = value
        self.spans[column] = (start, end)

    # -- splitting at top level (outside braces and parentheses) ---------------------------------------
    def top_level(self, start: int, end: int, chars: str) -> list[int]:
        """Positions in [start, end) of ``chars`` outside {...} and (...); unbalanced brackets are errors."""
        found, stack = [], []
        for i in range(start, end):
            c = self.text[i]
            if stack and stack[-1][0] == "{":
                if c == "}":
                    stack.pop()
                continue
            if c in "{(":
                stack.append((c, i))
            elif c in "})":
                if not stack or {"(": ")", "{": "}"}[stack[-1][0]] != c:
                    self.fail(i, f"'{c}' without a matching opening bracket")
                stack.pop()
            elif c in chars and not stack and i not in self.unit_slashes:
                found.append(i)
        if stack:
            self.fail(stack[-1][1], f"'{stack[-1][0]}' is never closed")
        return found

    def split(self, start: int, end: int, chars: str) -> list[tuple[int, int]]:
        cuts = self.top_level(start, end, chars)
        bounds = [start, *(c + 1 for c in cuts)]
        return list(zip(bounds, [*cuts, end]))

    # -- one slot: [amount] name [amount] [(details)] ------------------------------------------------
    def piece(self, start: int, end: int, what: str) -> _Piece:
        text = self.text
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start == end:
            self.fail(start, f"expected {what} here")
        amounts, details = [], None
        lead = _AMOUNT.match(text, start, end)
        if lead and (lead.end() == end or text[lead.end()].isspace() or text[lead.end()] == "{" or lead.group().endswith("%")):
            amounts.append(lead)
            start = lead.end()
            while start < end and text[start].isspace():
                start += 1
        for _ in range(2):  # trailing details and amount, in either order
            if text[end - 1] == ")" and details is None:
                opening = text.rfind("(", start, end)
                inner = text[opening + 1:end - 1]
                # "LLZTO (400 nm)" has details; "poly(1,3-dioxolane)" and "POSS-PEG(13.3)" are names
                if opening > start and (text[opening - 1].isspace() or all(map(_is_detail, inner.split(",")))):
                    details = (inner, opening + 1)
                    end = opening
            else:
                tail = re.search(rf"(?<=\s)(?:{_AMOUNT.pattern})\s*$", text[start:end])
                if tail:
                    amounts.append(_AMOUNT.match(text, start + tail.start(), end))
                    end = start + tail.start()
            while end > start and text[end - 1].isspace():
                end -= 1
        if start == end:
            self.fail(start, f"expected {what} here")
        name = text[start:end]
        braced = name.startswith("{") and name.endswith("}")
        if not braced:
            stray = re.search(rf"(?:{_NUMBER}|\d+,\d+)\s*(?:{_WT}|(?i:vol)|%|:)", name)
            if stray:
                self.fail(start + stray.start(), "could not read this amount: write it directly before or after the name, "
                          "with a decimal point (10 wt% LLZTO, LLZTO 10.5 wt%)", start + stray.end())
        if len(amounts) > 1:
            self.fail(amounts[1].start(), f"two amounts for {name}: give one", amounts[1].end())
        return _Piece(name[1:-1].strip() if braced else name, start + braced, braced, amounts, details)

    def amount_value(self, piece: _Piece, allowed: dict[str, str], what: str) -> tuple[str, float, int, int] | None:
        """(column, value, start, end) of the slot's amount; ``allowed`` maps amount kinds to columns."""
        if not piece.amounts:
            return None
        match = piece.amounts[0]
        start = match.start()
        if match["ratio"]:
            kind, value = "ratio", float(match["n"])
            if float(match["d"]) != 1.0:
                self.fail(start, "write an EO:Li ratio as n:1 (e.g. 16:1, or 8:1 for 16:2)", match.end())
        else:
            value = float(match["num"])
            unit = re.sub(r"[\s.]", "", match["unit"]).lower()
            if match["unit"] == "M":
                self.fail(start, "M is mol/L and needs a volume: give the salt as molality (1 m or 1 mol/kg), wt% or EO:Li n:1", match.end())
            if unit == "%":
                self.fail(start, "write wt% or vol% (a bare % is ambiguous)", match.end())
            kind = {"wt%": "wt", "vol%": "vol"}.get(unit, "molality")
        if kind not in allowed:
            names = {"ratio": "an EO:Li ratio", "wt": "wt%", "vol": "vol%", "molality": "a molality"}
            self.fail(start, f"{what} takes {' or '.join(names[k] for k in allowed) or 'no amount'}, not {names[kind]}", match.end())
        return allowed[kind], value, start, match.end()

    # -- names ----------------------------------------------------------------------------------------
    def unknown(self, piece: _Piece, kinds: tuple[str, ...], hint: str = "") -> None:
        close = list(dict.fromkeys(s for k in kinds for s in self.catalog.suggest(k, piece.name)))[:3]
        guess = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
        self.fail(piece.name_start, f"unknown {' or '.join(kinds)} {piece.name!r}{guess}; use a catalog name or alias "
                  f"(cpe-ml data features lists them){hint}", piece.name_start + len(piece.name))

    def named(self, piece: _Piece, kind: str, column: str, smiles_column: str | None) -> None:
        end = piece.name_start + len(piece.name)
        resolved = self.catalog.resolve(kind, piece.name)
        if resolved:
            self.set(column, resolved, piece.name_start, end)
        elif piece.braced and smiles_column:
            self.set(smiles_column, piece.name, piece.name_start, end)
        else:
            for other in ("polymer", "salt", "filler", "plasticizer"):
                if other != kind and self.catalog.resolve(other, piece.name):
                    self.fail(piece.name_start, f"{piece.name!r} is a {other}, not a {kind}: write host/salt first "
                              "(e.g. PEO/LiTFSI), then '+ amount filler' or '+ amount plasticizer'", end)
            self.unknown(piece, (kind,), " or a SMILES in braces" if smiles_column else "")

    # -- the grammar ------------------------------------------------------------------------------------
    def parse(self) -> dict[str, str | float]:
        text = self.text
        if not text.strip():
            self.fail(0, "empty formulation: write e.g. PEO/LiTFSI 16:1 + 10 wt% LLZTO @ 60 C")
        semicolons = self.top_level(0, len(text), ";")
        if len(semicolons) > 1:
            self.fail(semicolons[1], "only one ';' (the cycling clause) is allowed")
        main_end = semicolons[0] if semicolons else len(text)
        outside = set(self.top_level(0, main_end, "v"))  # a 'via' inside a braced name is part of the name
        starts = sorted(self.top_level(0, main_end, "@") + [m.start() for m in _VIA.finditer(text, 0, main_end) if m.start() in outside])
        body_end = starts[0] if starts else main_end
        self.body(0, body_end)
        for start, end in zip(starts, [*starts[1:], main_end]):
            if text[start] == "@":
                self.temperature(start, end, "temperature_c", "temperature_text")
            else:
                self.process(start + 3, end)
        if semicolons:
            self.cycling(semicolons[0] + 1, len(text))
        return self.record

    def body(self, start: int, end: int) -> None:
        parts = self.split(start, end, "+")
        head_start, head_end = parts[0]
        slots = self.split(head_start, head_end, "/")
        if len(slots) == 1:
            self.fail(head_end, "expected '/' and the lithium salt after the polymer (e.g. PEO/LiTFSI)")
        if len(slots) > 3:
            self.fail(slots[3][0] - 1, "at most two polymers: host/partner/salt (e.g. PEO/30 wt% PVDF-HFP/LiTFSI)")
        self.polymer(*slots[0])
        if len(slots) == 3:
            partner = self.piece(*slots[1], "the second polymer of the blend")
            self.named(partner, "polymer", "polymer2", "polymer2_smiles")
            if amount := self.amount_value(partner, {"wt": "polymer2_wt_pct"}, "a blend partner"):
                self.set(*amount)
        self.salt(*slots[-1])
        for part_start, part_end in parts[1:]:
            self.component(part_start, part_end)

    def polymer(self, start: int, end: int) -> None:
        piece = self.piece(start, end, "the host polymer")
        if piece.amounts:
            match = piece.amounts[0]
            self.fail(match.start(), "the host polymer takes no amount: the salt amount goes after the salt (PEO/LiTFSI 16:1), "
                      "a blend partner's share before it (PEO/30 wt% PVDF-HFP/LiTFSI)", match.end())
        self.named(piece, "polymer", "polymer", "polymer_smiles")
        if piece.details:
            inner, at = piece.details
            mass = _MASS.fullmatch(inner.strip())
            if not mass or not mass["unit"]:
                self.fail(at, "a polymer takes its molar mass in parentheses, e.g. PEO (600 kg/mol)", at + len(inner))
            scale = 1000.0 if mass["unit"].lower().startswith("k") else 1.0
            self.set("polymer_mw_g_mol", float(mass["num"]) * scale, at, at + len(inner))

    def salt(self, start: int, end: int) -> None:
        piece = self.piece(start, end, "a lithium salt")
        if piece.details:
            self.fail(piece.details[1] - 1, "a salt takes no parenthesized details", piece.details[1] + len(piece.details[0]) + 1)
        self.named(piece, "salt", "salt", "salt_smiles")
        if amount := self.amount_value(piece, {"ratio": "salt_eo_li_ratio", "wt": "salt_wt_pct", "molality": "salt_molality_mol_kg"}, "a salt"):
            self.set(*amount)

    def component(self, start: int, end: int) -> None:
        piece = self.piece(start, end, "a filler or plasticizer after '+'")
        filler = None if piece.braced and not self.catalog.resolve("filler", piece.name) else self.catalog.resolve("filler", piece.name)
        if filler:
            self.set("filler", filler, piece.name_start, piece.name_start + len(piece.name))
            if amount := self.amount_value(piece, {"wt": "filler_loading_wt_pct", "vol": "filler_loading_vol_pct"}, "a filler"):
                self.set(*amount)
            if piece.details:
                self.filler_details(*piece.details)
            return
        self.plasticizer(piece)
        if amount := self.amount_value(piece, {"wt": "plasticizer_wt_pct"}, "a plasticizer"):
            self.set(*amount)
        if piece.details:
            self.fail(piece.details[1] - 1, "only a filler takes a size or morphology in parentheses",
                      piece.details[1] + len(piece.details[0]) + 1)

    def plasticizer(self, piece: _Piece) -> None:
        """A plasticizer or a mixture EC/PC (parts resolved one by one; braced parts are SMILES)."""
        names, smiles = [], []
        whole = self.catalog.resolve("plasticizer", piece.name)
        parts = [(0, len(piece.name))] if whole or piece.braced else None
        if parts is None:
            offset = piece.name_start
            parts = [(a - offset, b - offset) for a, b in self.split(offset, offset + len(piece.name), "/")]
        for a, b in parts:
            raw = piece.name[a:b]
            part = _Piece(raw.strip(), piece.name_start + a + (len(raw) - len(raw.lstrip())), piece.braced)
            if not part.name:
                self.fail(piece.name_start + a, "expected a plasticizer name on both sides of '/'")
            if part.name.startswith("{") and part.name.endswith("}"):
                part = _Piece(part.name[1:-1].strip(), part.name_start + 1, True)
            hit = self.catalog.resolve("plasticizer", part.name)
            if hit:
                names.append(hit)
            elif part.braced:
                smiles.append(part.name)
            else:
                self._wrong_place(part)
        end = piece.name_start + len(piece.name)
        if names:
            self.set("plasticizer", "+".join(names), piece.name_start, end)
        if smiles:
            self.set("plasticizer_smiles", ".".join(smiles), piece.name_start, end)

    def _wrong_place(self, piece: _Piece) -> None:
        end = piece.name_start + len(piece.name)
        if self.catalog.resolve("polymer", piece.name):
            self.fail(piece.name_start, f"{piece.name!r} is a polymer: write a blend as host/partner/salt "
                      f"(e.g. PEO/30 wt% {piece.name}/LiTFSI)", end)
        if self.catalog.resolve("salt", piece.name):
            self.fail(piece.name_start, f"{piece.name!r} is a salt: one salt per formulation, written after '/'", end)
        self.unknown(piece, ("filler", "plasticizer"))

    def filler_details(self, inner: str, at: int) -> None:
        offset = at
        for item in inner.split(","):
            start = offset + len(item) - len(item.lstrip())
            word = item.strip()
            offset += len(item) + 1
            if not word:
                self.fail(start, "empty item in parentheses")
            morphology = _morphology(word)
            if morphology:
                self.set("filler_morphology", morphology, start, start + len(word))
                continue
            size = _DETAIL.fullmatch(word)
            if not size or not size["unit"] or size["unit"].lower() == "mm":
                self.fail(start, f"expected a particle size with its unit (400 nm, 2 µm) or a morphology "
                          f"({', '.join(FILLER_MORPHOLOGIES)})", start + len(word))
            scale = 1.0 if size["unit"].lower() == "nm" else 1000.0
            self.set("filler_size_nm", float(size["num"]) * scale, start, start + len(word))

    def temperature(self, start: int, end: int, column: str, words_column: str | None) -> None:
        body = self.text[start + 1:end]
        at = start + 1 + len(body) - len(body.lstrip())
        body = body.strip()
        if not body:
            self.fail(start, "expected a temperature after '@' (60 C, 333 K or RT)")
        match = _TEMPERATURE.match(body)
        if match["num"] is None:
            words = match["words"].lower()
            if words_column and (words in ROOM_TEMPERATURE_WORDS or words == "room temp"):
                self.set(words_column, "room temperature", at, at + len(body))
                return
            self.fail(at, "expected a temperature with its unit after '@' (60 C, 333 K or RT)", at + len(body))
        if not match["unit"]:
            self.fail(at, f"give the temperature's unit: {match['num']} C or {match['num']} K", at + len(body))
        value = float(match["num"].replace("−", "-"))
        if match["unit"].upper() == "K":
            value = round(value - 273.15, 2)
        self.set(column, value, at, at + len(body))

    def process(self, start: int, end: int) -> None:
        steps = [s for s in _THEN.split(self.text[start:end]) if s.strip()]
        if not steps:
            self.fail(start - 3, "expected process steps after 'via' (e.g. via solution casting + hot pressing)", end)
        normalized = "+".join(re.sub(r"[\s\-]+", "_", s.strip().lower()) for s in steps)
        self.set("process", normalized, start + 1, end)

    def cycling(self, start: int, end: int) -> None:
        position = start
        text = self.text
        first = re.compile(r"\s*,?\s*(\S+)").match(text, position, end)
        if first and not _CYCLING_ITEM.match(text, first.start(1), end):
            cathode = first[1].rstrip(",")
            self.set("cathode", cathode, first.start(1), first.start(1) + len(cathode))
            position = first.start(1) + len(cathode)
        while True:
            while position < end and (text[position].isspace() or text[position] == ","):
                position += 1
            if position >= end:
                break
            item = _CYCLING_ITEM.match(text, position, end)
            if not item:
                self.fail(position, "expected a C-rate (0.5C or C/2), a cycle count (200 cycles), an upper cut-off "
                          "voltage (4.3 V) or a cycling temperature (@ 60 C) in the cycling clause", end)
            if item["cycles"]:
                self.set("retention_cycles", float(item["cycles"]), item.start(), item.end())
            elif item["crate"] or item["cfrac"]:
                value = float(item["crate"]) if item["crate"] else 1.0 / float(item["cfrac"])
                self.set("c_rate", value, item.start(), item.end())
            elif item["volt"]:
                self.set("cutoff_voltage_v", float(item["volt"]), item.start(), item.end())
            else:
                self.temperature(item.start(), item.end(), "cycling_temperature_c", None)
            position = item.end()


def _is_detail(item: str) -> bool:
    """A filler size with its unit, a morphology or a molar mass: what parentheses after a name may hold."""
    size = _DETAIL.fullmatch(item.strip())
    return bool(size and size["unit"]) or _morphology(item) is not None or bool(_MASS.fullmatch(item.strip()) and _MASS.fullmatch(item.strip())["unit"])


def _morphology(word: str) -> str | None:
    key = re.sub(r"[\s\-]+", "_", word.strip().lower())
    return key if key in FILLER_MORPHOLOGIES else _PLURAL.get(key)


def _check(parser: _Parser, catalog: Catalog) -> None:
    """The CSV path's validation on the one-row record; the first issue is shown under its part of the string."""
    from cpe_ml.validation import validate_distinct

    report = validate_distinct(pd.DataFrame([parser.record]), catalog, skip_invalid=True, candidates=True).report
    for issue in report.issues:
        column = issue.column.removesuffix("_smiles") if issue.column not in parser.spans else issue.column
        start, end = parser.spans.get(column, (0, len(parser.text)))
        parser.fail(start, f"{issue.column} = {issue.value}: {issue.message}", end)


def parse_formulation(text: str, catalog: Catalog | None = None) -> dict[str, str | float]:
    """The record of a one-line formulation (schema column -> value; only what the string states).

    Names come back as catalog names, amounts as floats in the column's unit, process steps joined by '+'.
    Raises :class:`FormulationSyntaxError` (a ValueError) with the position of the problem, also for a
    value the CSV validation refuses (an unknown process step, 150 wt% salt, an unreadable SMILES ...).
    """
    catalog = catalog or load_catalog()
    parser = _Parser(str(text), catalog)
    parser.parse()
    _check(parser, catalog)
    return parser.record


def _num(value: float) -> str:
    """Shortest text that reads back as the same float (16.0 -> '16', 0.5 -> '0.5')."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _given(record, column: str):
    value = record.get(column) if hasattr(record, "get") else None
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if COLUMN_BY_NAME[column].dtype == "float":
        number = pd.to_numeric(value, errors="coerce")
        return None if pd.isna(number) else float(number)
    return str(value).strip() or None


def _name(record, column: str, smiles_column: str | None) -> str:
    name = _given(record, column)
    if name:
        return "{" + name + "}" if re.search(r"[+/@;{}]", name) or _VIA.search(name) else name
    smiles = _given(record, smiles_column) if smiles_column else None
    return "{" + smiles + "}" if smiles else ""


def format_formulation(record) -> str:
    """The canonical one-line form of a record (dict or DataFrame row); the inverse of :func:`parse_formulation`.

    Columns the notation has no place for (provenance, measured targets, LSV conditions) are left out.
    """
    get = lambda column: _given(record, column)  # noqa: E731
    text = _name(record, "polymer", "polymer_smiles") or "?"
    if get("polymer_mw_g_mol") is not None:
        mass = get("polymer_mw_g_mol")
        kg = mass / 1000.0
        text += f" ({_num(kg)} kg/mol)" if float(_num(kg)) * 1000.0 == mass else f" ({_num(mass)} g/mol)"
    partner = _name(record, "polymer2", "polymer2_smiles")
    if partner:
        share = get("polymer2_wt_pct")
        text += "/" + (f"{_num(share)} wt% " if share is not None else "") + partner
    text += "/" + (_name(record, "salt", "salt_smiles") or "?")
    for column, unit in (("salt_eo_li_ratio", ":1"), ("salt_wt_pct", " wt%"), ("salt_molality_mol_kg", " mol/kg")):
        if get(column) is not None:
            text += f" {_num(get(column))}{unit}"
            break  # the first stated amount (validation derives the others)
    filler = get("filler")
    if filler and filler.lower() != "none":
        loading = next((f"{_num(get(c))} {u} " for c, u in (("filler_loading_wt_pct", "wt%"), ("filler_loading_vol_pct", "vol%"))
                        if get(c) is not None), "")
        details = [d for d in (get("filler_morphology"), f"{_num(get('filler_size_nm'))} nm" if get("filler_size_nm") is not None else None) if d]
        text += f" + {loading}{_name(record, 'filler', None)}" + (f" ({', '.join(details)})" if details else "")
    names = [n if not re.search(r"[+/@;{}]", n) else "{" + n + "}" for n in (get("plasticizer") or "").split("+") if n]
    parts = names + ["{" + s + "}" for s in (get("plasticizer_smiles") or "").split(".") if s]
    if parts:
        share = get("plasticizer_wt_pct")
        text += " + " + (f"{_num(share)} wt% " if share is not None else "") + "/".join(parts)
    if get("temperature_c") is not None:
        text += f" @ {_num(get('temperature_c'))} C"
    elif (get("temperature_text") or "").lower() in ROOM_TEMPERATURE_WORDS:
        text += " @ RT"
    if get("process"):
        text += " via " + " + ".join(step.replace("_", " ") for step in get("process").split("+"))
    cycling = [get("cathode") or ""]
    cycling += [f"{_num(get('c_rate'))}C"] if get("c_rate") is not None else []
    cycling += [f"{_num(get('retention_cycles'))} cycles"] if get("retention_cycles") is not None else []
    cycling += [f"{_num(get('cutoff_voltage_v'))} V"] if get("cutoff_voltage_v") is not None else []
    cycling += [f"@ {_num(get('cycling_temperature_c'))} C"] if get("cycling_temperature_c") is not None else []
    if any(cycling):
        text += "; " + " ".join(filter(None, cycling))
    return text

