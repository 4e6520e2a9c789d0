"""The small grammar that reads what a question asks of its rows: counts, rounding, superlatives, all rows. Each
case is a phrasing the app was not tuned on, beside the ones that showed the old word lists wrong."""

from __future__ import annotations

import pytest

from analyst.corrections.question_words import (
    asked_decimals,
    asked_numbers,
    asks_for_all_rows,
    direction_of,
    ranking_direction,
    superlatives,
)


@pytest.mark.parametrize(
    ("question", "numbers"),
    [
        ("What are the ten deepest events?", {10}),
        ("Show 3 orders", {3}),
        ("Which 3 days had the fewest earthquakes?", {3}),
        ("The largest 4 invoices", {4}),
        ("12 busiest stations", {12}),
        ("Events with magnitude 4 or more", set()),  # a threshold
        ("Stations with a score 90 and above", set()),  # a value of the column it follows
        ("Revenue per region in 2024", set()),  # a year
        ("Quakes deeper than 70 km", set()),
        ("How many events in the last 7 days?", set()),  # a span of time
        ("Orders on the 3rd of May", set()),
    ],
)
def test_a_number_of_rows_is_a_number_where_english_puts_a_count(question: str, numbers: set[int]) -> None:
    assert asked_numbers(question) == numbers


@pytest.mark.parametrize(
    ("question", "found"),
    [
        ("the worst-hit places", ["worst"]),
        ("the best places to live", ["best"]),
        ("the northernmost station", ["northernmost"]),
        ("the priciest products", ["priciest"]),  # a superlative no list named
        ("the fewest orders", ["fewest"]),
        ("events in the southwest of the region", []),  # a compass word
        ("List the events in the west of the interest area", []),
        ("a forest of tests", []),
        ("magnitude 4 or more, at least 10 stations", []),  # thresholds
    ],
)
def test_superlatives_come_from_their_form_not_a_list_of_phrasings(question: str, found: list[str]) -> None:
    assert superlatives(question) == found


@pytest.mark.parametrize(
    ("word", "direction"),
    [
        ("deepest", "DESCENDING"),
        ("busiest", "DESCENDING"),
        ("priciest", "DESCENDING"),
        ("northernmost", "DESCENDING"),
        ("westernmost", "ASCENDING"),
        ("shallowest", "ASCENDING"),
        ("cheapest", "ASCENDING"),
        ("earliest", "ASCENDING"),
        ("thinnest", "ASCENDING"),
        ("best", None),
    ],
)
def test_a_superlative_ranks_the_high_end_unless_its_stem_names_the_low_end(word: str, direction: str | None) -> None:
    assert direction_of(word) == direction


def test_a_question_ranks_one_way_or_none() -> None:
    assert ranking_direction("Which station is the windiest?") == "DESCENDING"
    assert ranking_direction("the driest month") == "ASCENDING"
    assert ranking_direction("the highest and the lowest") is None
    assert ranking_direction("magnitude 4 or more") is None


@pytest.mark.parametrize(
    ("question", "decimals"),
    [
        ("rounded to five decimals", 5),
        ("with 3 decimal places", 3),
        ("to two decimal places", 2),
        ("rounded to the nearest whole number", 0),
        ("How many events?", None),
    ],
)
def test_rounding_in_digits_or_words(question: str, decimals: int | None) -> None:
    assert asked_decimals(question) == decimals


@pytest.mark.parametrize(
    ("question", "all_rows"),
    [
        ("Total revenue per region in 2024", True),
        ("List every network", True),
        ("Show me on a map where the earthquakes of magnitude 4 or more happened", True),
        ("Which places had earthquakes deeper than 100 km?", True),
        ("What products were returned?", True),
        ("the worst-hit places", False),  # a ranking: the model's LIMIT is its to choose
        ("Top 5 places by number of events", False),
        ("Show a few example rows", False),
        ("Earthquakes in Alaska", False),  # not clearly all: a LIMIT the model wrote stays
        ("What was the strongest earthquake?", False),
    ],
)
def test_all_rows_are_asked_for_only_clearly(question: str, all_rows: bool) -> None:
    assert asks_for_all_rows(question) is all_rows
