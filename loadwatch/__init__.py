"""loadwatch: training-load monitoring and injury-risk dashboard for runners."""

__version__ = "0.1.0"
