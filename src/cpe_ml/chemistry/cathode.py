"""Cathode families: the many ways papers write a cathode, mapped to the chemistry that matters for cycling."""

from __future__ import annotations

CATHODE_CLASSES = ("lfp", "ncm_high_ni", "ncm", "lco", "nca", "lmo", "sulfur", "other")
#: Cathodes charged to >= ~4.2 V: they stress the electrolyte's oxidation stability, LFP (3.6-3.8 V) and sulfur do not.
HIGH_VOLTAGE_CLASSES = ("ncm_high_ni", "ncm", "lco", "nca", "lmo")


def cathode_class(name: str) -> str:
    """``LiFePO4`` -> ``lfp``, ``NCM811`` -> ``ncm_high_ni``, ``S@C`` -> ``sulfur``; empty text -> empty."""
    text = str(name or "").lower().replace(" ", "").replace("-", "")
    if not text or text == "nan":
        return ""
    if "lfp" in text or "lifepo4" in text or "lmfp" in text:
        return "lfp"
    if any(t in text for t in ("ncm811", "nmc811", "ncm90", "ncm9", "ni0.8", "ncm83", "ncm88")):
        return "ncm_high_ni"
    if any(t in text for t in ("ncm", "nmc", "lini")):
        return "ncm"
    if "lco" in text or "licoo2" in text:
        return "lco"
    if "nca" in text:
        return "nca"
    if "lmo" in text or "limn2o4" in text:
        return "lmo"
    if text in ("s", "sulfur", "sulphur", "span") or "lis" in text or "s@" in text or "/s" in text:
        return "sulfur"
    return "other"
