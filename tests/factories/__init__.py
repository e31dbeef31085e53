"""Generators of small activity files for tests (FIT, GPX, TCX) and of hostile or wrong-type
inputs. Used by the reader tests and by other packages' tests (import, dashboard uploads)."""

from tests.factories.fit import (
    FitSession,
    FitWriter,
    Sample,
    fit_activity,
    steady_samples,
    truncated,
    with_bad_crc,
)
from tests.factories.gpx import empty_gpx, gpx_document
from tests.factories.hostile import (
    billion_laughs,
    external_dtd,
    external_entity,
    html_page,
    png_bytes,
    quadratic_blowup,
    zip_bytes,
)
from tests.factories.tcx import TcxLeg, empty_tcx, tcx_document

__all__ = [
    "FitSession", "FitWriter", "Sample", "TcxLeg", "billion_laughs", "empty_gpx", "empty_tcx",
    "external_dtd", "external_entity", "fit_activity", "gpx_document", "html_page", "png_bytes",
    "quadratic_blowup", "steady_samples", "tcx_document", "truncated", "with_bad_crc",
    "zip_bytes",
]
