"""The synthetic demo: a seeded simulator of a running squad and the demo store built from it.

Everything here is synthetic and labelled so: athlete names, activity titles, the device
("loadwatch simulator"), ``extra={"synthetic": True}`` and ``is_synthetic`` athletes.
"""
