"""Tables of the strava domain (filled in by the strava work)."""
