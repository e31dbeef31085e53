"""Getting data in: file readers, Strava export and API, CSV, and the store."""
