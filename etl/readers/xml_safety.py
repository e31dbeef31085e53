"""Safe XML parsing for the GPX and TCX readers (defusedxml).

Document type declarations are refused outright (GPX and TCX never need one), and with them
entity declarations (billion laughs, quadratic blow-up) and external references (XXE): nothing
is expanded or fetched, and the file is reported with HostileInputError.

:func:`parse_safely` parses with defusedxml (the reference, and the GPX fallback path);
:func:`parse_fast` gives the same tree and errors in one C parse (``xml_fast.py``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException

from etl.errors import CorruptFileError, HostileInputError, UnsupportedFileError
from etl.readers.content import Content, describe_content, text_start
from etl.readers.xml_fast import HOSTILE_REASON, parse_vetted


def local_name(tag: str) -> str:
    """``{http://...}Trackpoint`` -> ``Trackpoint`` (namespace URI dropped, any prefix)."""
    return tag.rsplit("}", 1)[-1]


def xml_text(content: Content, kind: str) -> bytes:
    """The XML bytes of ``content`` from ``<`` on (BOM and leading blanks removed).

    Raises UnsupportedFileError when the content is not XML at all (an image, HTML, a zip).
    """
    text = text_start(content.data)
    what = describe_content(content.data)
    if not text:
        raise UnsupportedFileError(content.name, f"is empty; it is not a {kind} file, export "
                                                 "the activity again")
    if not text.startswith(b"<") or what.startswith("an HTML"):
        raise UnsupportedFileError(content.name, f"is not a {kind} file (it looks like {what}); "
                                                 "check that the right file was chosen")
    return text


def parse_safely(content: Content, kind: str, root_name: str) -> tuple[bytes, ET.Element]:
    """Parse ``content`` with defusedxml and check that its root element is ``root_name``.

    Returns the XML bytes (from ``<`` on) and the root element.

    Raises
    ------
    HostileInputError
        The document declares entities or references external resources.
    CorruptFileError
        The document is not well-formed XML (e.g. cut off).
    UnsupportedFileError
        The document is not XML, or XML of another kind.
    """
    text = xml_text(content, kind)
    try:
        root = safe_et.fromstring(text, forbid_dtd=True, forbid_entities=True,
                                  forbid_external=True)
    except DefusedXmlException as exc:
        raise HostileInputError(
            content.name, HOSTILE_REASON.format(what=type(exc).__name__, kind=kind)) from exc
    except (ET.ParseError, LookupError, ValueError, UnicodeError) as exc:
        raise corrupt(content.name, exc) from exc
    check_root(content.name, root, kind, root_name)
    return text, root


def parse_fast(content: Content, kind: str, root_name: str) -> tuple[bytes, ET.Element]:
    """:func:`parse_safely` in one C parse (:func:`etl.readers.xml_fast.parse_vetted`).

    Same result and the same errors as :func:`parse_safely`, several times faster.
    """
    text = xml_text(content, kind)
    try:
        root = parse_vetted(text, content.name, kind)
    except (ET.ParseError, LookupError, ValueError, UnicodeError) as exc:
        raise corrupt(content.name, exc) from exc
    check_root(content.name, root, kind, root_name)
    return text, root


def corrupt(name: str, exc: Exception) -> CorruptFileError:
    """The CorruptFileError for a parse error or a decoding error ``exc``."""
    if isinstance(exc, ET.ParseError):
        return CorruptFileError(name, f"is not well-formed XML ({exc}); the file is truncated "
                                      "or damaged, re-export it")
    return CorruptFileError(name, f"cannot be decoded as text ({exc}); the file is damaged or "
                                  "declares an unknown encoding, re-export it")


def check_root(name: str, root: ET.Element, kind: str, root_name: str) -> None:
    """Raise UnsupportedFileError unless the root element is ``root_name`` (any namespace)."""
    if local_name(root.tag) != root_name:
        raise UnsupportedFileError(
            name, f"is XML but not a {kind} file (its root element is "
                          f"<{local_name(root.tag)}>, expected <{root_name}>); check that the "
                          "right file was chosen")
