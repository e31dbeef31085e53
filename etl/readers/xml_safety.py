"""Safe XML parsing for the GPX and TCX readers (defusedxml).

Document type declarations are refused outright (GPX and TCX never need one), and with them
entity declarations (billion laughs, quadratic blow-up) and external references (XXE): nothing
is expanded or fetched, and the file is reported with HostileInputError.

:func:`parse_text` is the one defusedxml pass (the GPX fast path parses its text with it);
:func:`parse_safely` adds the root check and maps parse errors to CorruptFileError.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException

from etl.errors import CorruptFileError, HostileInputError, UnsupportedFileError
from etl.readers.content import Content, describe_content, text_start


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


def parse_text(text: bytes | str, name: str, kind: str) -> ET.Element:
    """Parse ``text`` in one pass with defusedxml (DTDs, entities and external references
    forbidden) and return the root element.

    Raises
    ------
    HostileInputError
        The document declares entities or references external resources; nothing was
        expanded or fetched.
    xml.etree.ElementTree.ParseError, LookupError, ValueError, UnicodeError
        The document is not well-formed or cannot be decoded (callers map these).
    """
    try:
        root: ET.Element = safe_et.fromstring(text, forbid_dtd=True, forbid_entities=True,
                                              forbid_external=True)
    except DefusedXmlException as exc:
        raise HostileInputError(
            name, "contains a document type declaration, XML entities or external "
                  f"references ({type(exc).__name__}), which {kind} files never need and "
                  "which are used to attack parsers; nothing in it was expanded or fetched. "
                  "Re-export the file from the device or Strava") from exc
    return root


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
        root = parse_text(text, content.name, kind)
    except ET.ParseError as exc:
        raise CorruptFileError(
            content.name, f"is not well-formed XML ({exc}); the file is truncated or damaged, "
                          "re-export it") from exc
    except (LookupError, ValueError, UnicodeError) as exc:
        raise CorruptFileError(
            content.name, f"cannot be decoded as text ({exc}); the file is damaged or declares "
                          "an unknown encoding, re-export it") from exc
    if local_name(root.tag) != root_name:
        raise UnsupportedFileError(
            content.name, f"is XML but not a {kind} file (its root element is "
                          f"<{local_name(root.tag)}>, expected <{root_name}>); check that the "
                          "right file was chosen")
    return text, root
