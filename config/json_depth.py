"""How deeply a JSON text nests, found without parsing it (parsers recurse and can overflow)."""

# Far deeper than any body this product takes (WebAuthn credentials and API bodies nest < 6).
MAX_JSON_DEPTH = 32
_SQUARE = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKET = bytes(set(range(256)) - set(b"[]{}"))


def json_too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when brackets outside strings may nest deeper than `limit` (malformed text too)."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    # Escaped backslashes first (they pair up left to right), then escaped quotes: then every
    # quote opens or closes a string, and every other piece between quotes is outside one.
    unescaped = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    text = b"".join(unescaped.split(b'"')[::2])
    brackets = text.translate(_SQUARE, _NOT_BRACKET)
    too_deep = b"[" * (limit + 1)
    # Each pass removes the innermost pairs, one nesting level, at C speed; a run of openers
    # longer than the limit (any plain nesting attack) ends it at once.
    for passes in range(limit + 1):
        if too_deep in brackets:
            return True
        shorter = brackets.replace(b"[]", b"")
        if len(shorter) == len(brackets):
            # Left: "]]…[[": openers no closer matches still make a parser recurse.
            return passes + brackets.count(b"[") > limit
        brackets = shorter
    return True
