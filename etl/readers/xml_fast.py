"""One fast, safe XML parse for the GPX and TCX readers.

The document is parsed once by ElementTree's C parser (expat building C elements, no Python
call per element), which is several times faster than defusedxml's parser (a Python callback
per element). defusedxml's protections are kept: a document type declaration can only stand
in the prolog, before the root element, and every entity declaration (billion laughs,
quadratic blow-up) and external reference (XXE, external DTD) needs one. The prolog is
therefore vetted first by an expat parser with defusedxml's handlers, which stops at the
root's start tag: a DTD, an entity declaration or an external reference raises
HostileInputError before anything is expanded or fetched. A ``<!DOCTYPE`` after the root
element is not well-formed, and an entity reference without a DTD is an "undefined entity":
expat refuses both, so the main parse can never expand or fetch anything.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from xml.parsers import expat

from etl.errors import HostileInputError

HOSTILE_REASON = ("contains a document type declaration, XML entities or external references "
                  "({what}), which {kind} files never need and which are used to attack "
                  "parsers; nothing in it was expanded or fetched. Re-export the file from the "
                  "device or Strava")
"""The HostileInputError message, shared with :func:`etl.readers.xml_safety.parse_safely`."""


class _Hostile(Exception):
    """Raised inside an expat handler: the prolog declares something GPX/TCX never need."""


class _RootReached(Exception):
    """Raised at the root's start tag: the prolog is over and was clean."""


def _refuse(what: str) -> Callable[..., None]:
    def handler(*_args: object) -> None:
        raise _Hostile(what)
    return handler


def _refuse_external(*_args: object) -> int:
    raise _Hostile("ExternalReferenceForbidden")


def _stop(*_args: object) -> None:
    raise _RootReached


def vet_prolog(text: bytes | str, name: str, kind: str) -> None:
    """Refuse a document whose prolog holds a DTD, entity declarations or external references.

    Parameters
    ----------
    text
        The whole document (bytes with their declared encoding, or decoded text).
    name
        The file name, for the message.
    kind
        ``"GPX"`` or ``"TCX"``, for the message.

    Raises
    ------
    HostileInputError
        A ``<!DOCTYPE``, ``<!ENTITY`` or external reference before the root element.

    Notes
    -----
    Only the prolog is parsed (expat stops at the root's start tag). A document that is not
    well-formed there is left to the main parse, which reports it.
    """
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse("DTDForbidden")
    parser.EntityDeclHandler = _refuse("EntitiesForbidden")
    parser.UnparsedEntityDeclHandler = _refuse("EntitiesForbidden")
    parser.ExternalEntityRefHandler = _refuse_external
    parser.StartElementHandler = _stop
    try:
        parser.Parse(text, True)
    except _Hostile as exc:
        raise HostileInputError(name, HOSTILE_REASON.format(what=exc.args[0], kind=kind)) from None
    except (_RootReached, expat.ExpatError, LookupError, ValueError, UnicodeError):
        return


def parse_vetted(text: bytes | str, name: str, kind: str) -> ET.Element:
    """Vet the prolog (:func:`vet_prolog`), then parse the whole document with the C parser.

    Raises
    ------
    HostileInputError
        See :func:`vet_prolog`.
    xml.etree.ElementTree.ParseError, LookupError, ValueError, UnicodeError
        The document is not well-formed or cannot be decoded (callers map these).
    """
    vet_prolog(text, name, kind)
    parser = ET.XMLParser()
    parser.feed(text)
    return parser.close()
