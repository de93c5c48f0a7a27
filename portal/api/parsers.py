"""DRF's JSON parser, with a nesting too deep for the parser a 400 instead of a 500."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """application/json; RecursionError from a deeply nested body is a parse error."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the body nests too deeply.") from exc
