"""Sport names of FIT, GPX and TCX files mapped to Strava's ``sport_type`` values."""

from __future__ import annotations

import re

from loadwatch import columns as C

FOOT_SPORTS: frozenset[str] = frozenset({"Run", "TrailRun", "VirtualRun", "Walk", "Hike"})
"""Sports whose cadence is a step rate (cycling cadence is crank rpm, not steps)."""

_FIT_SPORTS: dict[str, str] = {
    "running": "Run", "cycling": "Ride", "walking": "Walk", "hiking": "Hike",
    "swimming": "Swim", "training": "Workout", "fitness_equipment": "Workout",
    "generic": "Workout", "transition": "Workout", "multisport": "Workout",
    "e_biking": "EBikeRide", "rowing": "Rowing", "alpine_skiing": "AlpineSki",
    "cross_country_skiing": "NordicSki", "snowboarding": "Snowboard",
    "snowshoeing": "Snowshoe", "inline_skating": "InlineSkate", "ice_skating": "IceSkate",
    "rock_climbing": "RockClimbing", "kayaking": "Kayaking", "paddling": "Canoeing",
    "stand_up_paddleboarding": "StandUpPaddling", "surfing": "Surfing",
    "kitesurfing": "Kitesurf", "windsurfing": "Windsurf", "sailing": "Sail",
    "golf": "Golf", "soccer": "Soccer", "tennis": "Tennis", "hiit": "HighIntensityIntervalTraining",
    "wheelchair_push_run": "Wheelchair", "wheelchair_push_walk": "Wheelchair",
    "mountaineering": "Hike", "floor_climbing": "StairStepper",
}

_FIT_SUB_SPORTS: dict[tuple[str, str], str] = {
    ("running", "trail"): "TrailRun",
    ("running", "treadmill"): "VirtualRun",
    ("running", "indoor_running"): "VirtualRun",
    ("running", "virtual_activity"): "VirtualRun",
    ("fitness_equipment", "treadmill"): "VirtualRun",
    ("fitness_equipment", "indoor_running"): "VirtualRun",
    ("cycling", "mountain"): "MountainBikeRide",
    ("cycling", "gravel_cycling"): "GravelRide",
    ("cycling", "indoor_cycling"): "VirtualRide",
    ("cycling", "virtual_activity"): "VirtualRide",
    ("cycling", "spin"): "VirtualRide",
    ("cycling", "e_bike_mountain"): "EMountainBikeRide",
    ("cycling", "e_bike_fitness"): "EBikeRide",
    ("fitness_equipment", "indoor_cycling"): "VirtualRide",
    ("fitness_equipment", "elliptical"): "Elliptical",
    ("fitness_equipment", "stair_climbing"): "StairStepper",
    ("fitness_equipment", "indoor_rowing"): "Rowing",
    ("training", "strength_training"): "WeightTraining",
    ("training", "yoga"): "Yoga",
    ("training", "pilates"): "Pilates",
    ("walking", "indoor_walking"): "Walk",
}

# Strava's own GPX writes <type> as its numeric activity type (9 = run, 1 = ride).
_STRAVA_NUMERIC_TYPES: dict[str, str] = {"1": "Ride", "4": "Hike", "9": "Run", "10": "Walk"}

_WORDS: dict[str, str] = {
    "running": "Run", "run": "Run", "trail_running": "TrailRun", "trailrun": "TrailRun",
    "trail_run": "TrailRun", "treadmill_running": "VirtualRun", "treadmill": "VirtualRun",
    "virtualrun": "VirtualRun", "virtual_run": "VirtualRun", "indoor_running": "VirtualRun",
    "street_running": "Run", "track_running": "Run",
    "biking": "Ride", "cycling": "Ride", "ride": "Ride", "road_biking": "Ride",
    "mountain_biking": "MountainBikeRide", "mountainbikeride": "MountainBikeRide",
    "gravel_cycling": "GravelRide", "indoor_cycling": "VirtualRide", "virtualride": "VirtualRide",
    "walking": "Walk", "walk": "Walk", "hiking": "Hike", "hike": "Hike",
    "swimming": "Swim", "swim": "Swim", "lap_swimming": "Swim", "open_water_swimming": "Swim",
    "other": "Workout", "workout": "Workout", "training": "Workout", "generic": "Workout",
    "strength_training": "WeightTraining", "weighttraining": "WeightTraining", "yoga": "Yoga",
    "elliptical": "Elliptical", "rowing": "Rowing",
}

GENERIC_SPORTS: frozenset[str] = frozenset({"Workout"})


def camel_word(text: str) -> str:
    """``stand_up paddling`` -> ``StandUpPaddling``: an unknown sport kept as its own word."""
    parts = [p for p in re.split(r"[^0-9A-Za-z]+", text) if p]
    return "".join(p[:1].upper() + p[1:] for p in parts) or "Workout"


def sport_from_fit(sport: object, sub_sport: object) -> str:
    """Map FIT ``sport``/``sub_sport`` (names as decoded by fitdecode) to a Strava sport_type."""
    sport_name = str(sport) if sport is not None else "generic"
    sub_name = str(sub_sport) if sub_sport is not None else "generic"
    if (sport_name, sub_name) in _FIT_SUB_SPORTS:
        return _FIT_SUB_SPORTS[(sport_name, sub_name)]
    if sport_name in _FIT_SPORTS:
        return _FIT_SPORTS[sport_name]
    if sport_name.isdigit():
        return "Workout"
    return camel_word(sport_name)


def sport_from_word(word: str | None) -> str | None:
    """Map a sport word from GPX ``<type>`` or TCX ``Sport`` to a Strava sport_type.

    Returns None when the file gives no sport; unknown words are kept as their own capitalised
    word (``"paragliding"`` -> ``"Paragliding"``).
    """
    if word is None or not word.strip():
        return None
    text = word.strip()
    if text in _STRAVA_NUMERIC_TYPES:
        return _STRAVA_NUMERIC_TYPES[text]
    if text.isdigit():
        return None
    key = re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")
    if key in _WORDS:
        return _WORDS[key]
    compact = key.replace("_", "")
    if compact in _WORDS:
        return _WORDS[compact]
    return camel_word(text)


def choose_sport(from_file: str | None, hint: str | None) -> tuple[str, str | None]:
    """Combine the file's sport with the caller's hint; returns (sport_type, warning or None).

    The file's own specific sport wins. The hint is used when the file states no sport or only
    a generic one (``Workout``), and when the file says plain ``Run`` and the hint is a more
    specific run (``TrailRun``/``VirtualRun``). With neither, ``Run`` is assumed (this is a
    runners' tool) and a warning says so.
    """
    if from_file is None or from_file in GENERIC_SPORTS:
        if hint:
            return hint, None
        if from_file is None:
            return "Run", "the file does not say which sport it is; assumed Run"
        return from_file, None
    if hint and from_file == "Run" and hint in C.RUNNING_SPORT_TYPES:
        return hint, None
    return from_file, None
