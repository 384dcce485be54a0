"""Realism: over 50 trainee ids of every shipped scenario (and of each family's defaults), the generated
numbers fall inside the documented bands of ``data.generators.profiles.BANDS`` (the table
``docs/datasets.md`` prints with its sources).

For each band, the median over all measured units (products, sessions, campaigns, trainee × category
pairs, accounts) lies inside ``median`` and the 5th and 95th percentiles inside ``outer``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data.generators import FAMILIES
from data.generators.profiles import BANDS, GAINING_SHARE, SOURCES
from simulator import load_scenario
from simulator.core.seeding import family_rng

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))
TRAINEES = [f"realism-{i}" for i in range(50)]
FAMILIES_CHECKED = ("live", "ads", "accounts")


def _settings() -> list[tuple[str, str, int, object]]:
    """(family, scenario id, seed, params) for each distinct family setting the shipped scenarios use, and
    each family's defaults (so every category is measured even where no shipped scenario sells it)."""
    seen = {(f, json.dumps(FAMILIES[f].Params().model_dump(mode="json"), sort_keys=True)) for f in FAMILIES_CHECKED}
    out: list[tuple[str, str, int, object]] = [(f, "defaults", 0, FAMILIES[f].Params()) for f in FAMILIES_CHECKED]
    for path in SCENARIOS:
        sc = load_scenario(path)
        for family in sc.needed_families():
            if family not in FAMILIES_CHECKED:
                continue
            params = sc.family_params(family)
            token = (family, json.dumps(params.model_dump(mode="json"), sort_keys=True))
            if token not in seen:
                seen.add(token)
                out.append((family, sc.id, sc.seed, params))
    return out


def _live(frames: dict[str, pd.DataFrame], acc: dict[str, list[float]]) -> None:
    s, p = frames["live_sessions"], frames["live_products"]
    acc["live_gpm"] += (s["gmv"] / s["views"] * 1000).tolist()
    acc["live_uv_value"] += (s["gmv"] / s["viewers"]).tolist()
    acc["live_avg_watch_seconds"] += (s["watch_seconds"] / s["viewers"]).tolist()
    acc["live_interaction_rate"] += (s["interacting_users"] / s["viewers"]).tolist()
    catalog = p.drop_duplicates("product_id")
    for cat, g in catalog.groupby("category", observed=True):
        acc[f"price_{cat}"] += g["price"].tolist()
    sums = p.groupby("category", observed=True)[["refunds", "gmv"]].sum()
    for cat, row in sums[sums["gmv"] > 0].iterrows():
        acc[f"refund_{cat}"].append(row["refunds"] / row["gmv"])


def _ads(frames: dict[str, pd.DataFrame], acc: dict[str, list[float]]) -> None:
    d, o, products = frames["ad_delivery"], frames["ad_orders"], frames["products"]
    g = d.groupby("campaign_id", observed=True)[["cost", "impressions", "clicks", "orders", "gmv"]].sum()
    acc["ad_ctr"] += (g["clicks"] / g["impressions"]).tolist()
    acc["ad_cvr"] += (g["orders"] / g["clicks"]).tolist()
    acc["ad_cpm"] += (g["cost"] / g["impressions"] * 1000).tolist()
    acc["ad_cpc"] += (g["cost"] / g["clicks"]).tolist()
    acc["ad_roi"] += (g["gmv"] / g["cost"]).tolist()
    for cat, gp in products.groupby("category", observed=True):
        acc[f"price_{cat}"] += gp["price"].tolist()
    settled = o[o["status"].astype(str) != "in_transit"].merge(products[["product_id", "category"]],
                                                               on="product_id")
    signed = settled.assign(signed=settled["status"].astype(str) == "signed")
    for cat, gs in signed.groupby("category", observed=True):
        if len(gs) >= 30:  # a share of a handful of orders says little about the category
            acc[f"sign_{cat}"].append(gs["signed"].mean())


def _accounts(frames: dict[str, pd.DataFrame], truth: dict, acc: dict[str, list[float]],
              gains: dict[str, list[bool]]) -> None:
    daily = frames["accounts_daily"].sort_values("date")
    last = daily.groupby("account_id", observed=True)["followers"].last()
    for a in truth["accounts"]:
        change = (last[a["account_id"]] - a["followers_start"]) / a["followers_start"]
        acc[f"net_followers_{a['type']}"].append(change)
        gains[a["type"]].append(change > 0)


@pytest.fixture(scope="module")
def measured() -> tuple[dict[str, list[float]], dict[str, list[bool]]]:
    acc: dict[str, list[float]] = defaultdict(list)
    gains: dict[str, list[bool]] = defaultdict(list)
    for family, scenario_id, seed, params in _settings():
        module = FAMILIES[family]
        for trainee in TRAINEES:
            out = module.generate(family_rng(scenario_id, seed, trainee, 1.0, family), params, 1.0)
            if family == "live":
                _live(out.frames, acc)
            elif family == "ads":
                _ads(out.frames, acc)
            else:
                _accounts(out.frames, out.truth, acc, gains)
    return acc, gains


def test_bands_are_documented_with_sources():
    for name, band in BANDS.items():
        assert band.source in SOURCES and len(SOURCES[band.source]) > 200, name
        assert band.outer[0] <= band.median[0] <= band.median[1] <= band.outer[1], name


@pytest.mark.parametrize("name", list(BANDS))
def test_generated_numbers_fall_inside_the_documented_band(measured, name):
    values = np.asarray(measured[0][name], dtype=float)
    band = BANDS[name]
    assert values.size >= 50, (name, values.size)
    p5, median, p95 = np.percentile(values, [5, 50, 95])
    assert band.median[0] <= median <= band.median[1], (name, median, band.median)
    assert band.outer[0] <= p5 and p95 <= band.outer[1], (name, p5, p95, band.outer)


def test_most_growing_and_mature_accounts_gain_followers(measured):
    gains = measured[1]
    for kind in ("growing", "mature"):
        assert len(gains[kind]) >= 50 and np.mean(gains[kind]) >= GAINING_SHARE, (kind, np.mean(gains[kind]))
    assert np.mean(gains["declining"]) < 0.2
