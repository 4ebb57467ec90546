#!/usr/bin/env python3
"""Rebuild src/api/world/countries.svg (country shapes for the console's map) and
src/api/world/centroids.tsv (where a country's traveller count is drawn).

Source: the `world-atlas` npm package (countries-110m.json, TopoJSON of Natural Earth's 1:110m
Admin 0 countries; world-atlas is ISC-licensed by Michael Bostock, Natural Earth is public
domain). Country ids there are ISO 3166-1 numeric; `pycountry` gives the alpha-2 code.
The projection is plate carrée (equirectangular) on a 1000 x 500 box, rounded to 0.1.

    pip install pycountry
    curl -sO https://registry.npmjs.org/world-atlas/-/world-atlas-2.0.2.tgz && tar xzf world-atlas-2.0.2.tgz
    python3 data/build_world_map.py package/countries-110m.json
"""
import json
import os
import sys

import pycountry

W, H = 1000.0, 500.0
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "api", "world")


def decode_arcs(topo):
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)
    return arcs


def ring(arcs, idxs):
    pts = []
    for i in idxs:
        a = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        pts.extend(a if not pts else a[1:])
    return pts


def project(lon, lat):
    return round((lon + 180.0) / 360.0 * W, 1), round((90.0 - lat) / 180.0 * H, 1)


def path_of(rings):
    parts = []
    for r in rings:
        xy = [project(lon, lat) for lon, lat in r]
        # Drop consecutive duplicates the rounding creates.
        kept = [xy[0]] + [p for prev, p in zip(xy, xy[1:]) if p != prev]
        if len(kept) < 3:
            continue
        # A ring that crosses the antimeridian jumps across the map: start a new piece there
        # instead of drawing the jump.
        pieces, cur = [], [kept[0]]
        for prev, p in zip(kept, kept[1:]):
            if abs(p[0] - prev[0]) > W / 2:
                pieces.append(cur)
                cur = []
            cur.append(p)
        pieces.append(cur)
        for piece in pieces:
            if len(piece) >= 3:
                parts.append("M" + " L".join(f"{x:g} {y:g}" for x, y in piece) + "Z")
    return "".join(parts)


def alpha2(numeric):
    c = pycountry.countries.get(numeric=str(numeric).zfill(3)) if numeric is not None else None
    return c.alpha_2 if c else None


def main():
    topo = json.load(open(sys.argv[1]))
    arcs = decode_arcs(topo)
    paths, centroids = [], []
    for g in topo["objects"]["countries"]["geometries"]:
        polys = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]] if g["type"] == "Polygon" else []
        rings = [ring(arcs, r) for poly in polys for r in poly]
        if not rings:
            continue
        code = alpha2(g.get("id"))
        name = g.get("properties", {}).get("name", "")
        d = path_of(rings)
        ident = f' id="c-{code}"' if code else ""
        paths.append(f'<path{ident} d="{d}"><title>{name}</title></path>')
        if code:
            # The traveller count goes at the mean of the largest outer ring's vertices.
            outer = max((ring(arcs, poly[0]) for poly in polys), key=len)
            lon = sum(p[0] for p in outer) / len(outer)
            lat = sum(p[1] for p in outer) / len(outer)
            x, y = project(lon, lat)
            centroids.append(f"{code}\t{x:g}\t{y:g}")
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "countries.svg"), "w") as f:
        f.write("<!-- Natural Earth 1:110m countries via world-atlas (ISC, Michael Bostock); "
                "built by data/build_world_map.py -->\n")
        f.write("\n".join(paths) + "\n")
    with open(os.path.join(OUT, "centroids.tsv"), "w") as f:
        f.write("# ISO code, x, y on the 1000x500 map (built by data/build_world_map.py)\n")
        f.write("\n".join(sorted(centroids)) + "\n")


if __name__ == "__main__":
    main()
