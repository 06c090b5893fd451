"""Where and why yajl 2.1 (libvirt 9.0's JSON parser) refuses a text: its lexer and parser state
machines replayed over the bytes, including its last call with a single space (yajl_complete_parse),
its buffering of a token cut by the end of the text, and libvirt's refusal of a duplicate key
(virJSONValueObjectAppend makes the callback cancel the parse).

``first_error`` runs only once Python's json has refused a text or found something yajl reads
differently; it returns yajl's message and the byte offset its verbose error points at.
"""

from __future__ import annotations

import re

_WS = b" \t\n\v\f\r"
_ESCAPES = b'"\\/bfnrt'
_HEX = b"0123456789abcdefABCDEF"
_PLAIN = re.compile(rb'[^"\\\x00-\x1f\x80-\xff]*')  # what yajl_string_scan skips
_LITERALS = {ord("t"): b"rue", ord("f"): b"alse", ord("n"): b"ull"}
# a whole token yajl reads the same way, not at the end of the text (where yajl would keep it for
# the next call): the replay's fast path, one regex match a token
_FAST = re.compile(rb'[ \t\n\v\f\r]*(?:([{}\[\],:])|"([^"\\\x00-\x1f\x80-\xff]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f\x80-\xff]*)*)"'
                   rb'|(true|false|null)|(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)(?=[^0-9.eE+-]))',
                   re.DOTALL)
MAX_GEN_DEPTH = 128  # YAJL_MAX_DEPTH: yajl_gen refuses to open a container this deep


class Tok:
    """yajl_tok (plain ints: the replay's inner loop compares them for every token)."""

    EOF, ERROR, MAP_OPEN, MAP_CLOSE, ARRAY_OPEN, ARRAY_CLOSE, COMMA, COLON, STRING, SCALAR = range(10)


class St:
    """yajl_state."""

    (START, COMPLETE, PARSE_ERROR, LEXICAL_ERROR, MAP_START, MAP_NEED_KEY, MAP_SEP, MAP_NEED_VAL, MAP_GOT_VAL,
     ARRAY_START, ARRAY_NEED_VAL, ARRAY_GOT_VAL) = range(12)


_VALUE_STATES = (St.START, St.MAP_NEED_VAL, St.ARRAY_NEED_VAL, St.ARRAY_START)
_SIMPLE = {ord("{"): Tok.MAP_OPEN, ord("}"): Tok.MAP_CLOSE, ord("["): Tok.ARRAY_OPEN, ord("]"): Tok.ARRAY_CLOSE,
           ord(","): Tok.COMMA, ord(":"): Tok.COLON}
_AFTER_VALUE = {St.START: St.COMPLETE, St.MAP_NEED_VAL: St.MAP_GOT_VAL, St.ARRAY_NEED_VAL: St.ARRAY_GOT_VAL,
                St.ARRAY_START: St.ARRAY_GOT_VAL}


class _Cut(Exception):
    """The text ended inside a token (yajl_tok_eof)."""


class _Lexer:
    """yajl_lex.c: reads from the saved start of a cut token first, then from the text."""

    def __init__(self) -> None:
        self.buf = b""
        self.in_use = False
        self.buf_off = 0
        self.error = ""
        self.text = b""
        self.off = 0

    def _read(self) -> int:
        if self.in_use and self.buf_off < len(self.buf):
            self.buf_off += 1
            return self.buf[self.buf_off - 1]
        self.off += 1
        return self.text[self.off - 1]

    def _unread(self) -> None:
        if self.off > 0:
            self.off -= 1
        else:
            self.buf_off -= 1

    def _need(self) -> None:
        if self.off >= len(self.text):
            raise _Cut

    def _fail(self, why: str) -> int:
        self.error = why
        return Tok.ERROR

    def lex(self, text: bytes, off: int) -> tuple[int, int, bytes]:
        """One token from ``off``: (token, offset after it, its bytes — a string's without quotes)."""
        if not self.in_use and (m := _FAST.match(text, off)) is not None:
            end = m.end()
            if m.lastindex == 1:
                return _SIMPLE[text[end - 1]], end, text[end - 1:end]
            if m.lastindex == 2:
                return Tok.STRING, end, m.group(2)
            return Tok.SCALAR, end, m.group(m.lastindex or 3)
        self.text, self.off = text, off
        start = off
        try:
            while True:
                self._need()
                c = self._read()
                if c in _WS:
                    start += 1
                    continue
                tok = self._token(c)
                break
        except _Cut:
            tok = Tok.EOF
        out = b""
        if tok == Tok.EOF or self.in_use:
            if not self.in_use:
                self.buf = b""
            self.in_use, self.buf_off = True, 0
            self.buf += text[start:self.off]
            if tok != Tok.EOF:
                out, self.in_use = self.buf, False
        elif tok != Tok.ERROR:
            out = text[start:self.off]
        if tok == Tok.STRING:
            out = out[1:-1]
        return tok, self.off, out

    def _token(self, c: int) -> int:
        if c in _SIMPLE:
            return _SIMPLE[c]
        if c in _LITERALS:
            for want in _LITERALS[c]:
                self._need()
                if self._read() != want:
                    self._unread()
                    return self._fail("invalid string in json text.")
            return Tok.SCALAR
        if c == ord('"'):
            return self._string()
        if c == ord("-") or 48 <= c <= 57:
            self._unread()
            return self._number()
        if c == ord("/"):
            self._unread()
            return self._fail("probable comment found in input text, comments are not enabled.")
        return self._fail("invalid char in json text.")

    def _string(self) -> int:
        while True:
            if self.in_use and self.buf_off < len(self.buf):
                self.buf_off += _PLAIN.match(self.buf, self.buf_off).end() - self.buf_off  # type: ignore[union-attr]
            elif self.off < len(self.text):
                self.off = _PLAIN.match(self.text, self.off).end()  # type: ignore[union-attr]
            self._need()
            c = self._read()
            if c == ord('"'):
                return Tok.STRING
            if c == ord("\\"):
                self._need()
                c = self._read()
                if c == ord("u"):
                    for _ in range(4):
                        self._need()
                        if self._read() not in _HEX:
                            self._unread()
                            return self._fail("invalid (non-hex) character occurs after '\\u' inside string.")
                elif c not in _ESCAPES:
                    self._unread()
                    return self._fail("inside a string, '\\' occurs before a character which it may not.")
            elif c < 0x20:
                self._unread()
                return self._fail("invalid character inside string.")
            elif c >= 0x80 and not self._utf8_tail(c):
                return self._fail("invalid bytes in UTF8 string.")

    def _utf8_tail(self, c: int) -> bool:
        more = 1 if c >> 5 == 0x6 else 2 if c >> 4 == 0xE else 3 if c >> 3 == 0x1E else -1
        for _ in range(more):
            self._need()
            if self._read() >> 6 != 0x2:
                return False
        return more >= 0

    def _next(self) -> int:
        self._need()
        return self._read()

    def _digits(self, c: int) -> int:
        """Read on while ``c`` is a digit; the first byte after the run."""
        while 48 <= c <= 57:
            c = self._next()
        return c

    def _number(self) -> int:
        """yajl_lex_number: it always reads one byte past the number, and puts it back."""
        c = self._next()
        if c == ord("-"):
            c = self._next()
        if c == ord("0"):
            c = self._next()
        elif 49 <= c <= 57:
            c = self._digits(c)
        else:
            self._unread()
            return self._fail("malformed number, a digit is required after the minus sign.")
        for marks, after in ((b".", "decimal point"), (b"eE", "exponent")):
            if c not in marks:
                continue
            c = self._next()
            if after == "exponent" and c in b"+-":
                c = self._next()
            if not 48 <= c <= 57:
                self._unread()
                return self._fail(f"malformed number, a digit is required after the {after}.")
            c = self._digits(c)
        self._unread()
        return Tok.SCALAR


class _Parser:
    """yajl_parser.c's yajl_do_parse, with libvirt's callbacks reduced to the duplicate-key check."""

    def __init__(self) -> None:
        self.lexer = _Lexer()
        self.stack = [St.START]
        self.keys: list[set[bytes]] = []  # the keys of each open container (an array's stay empty)
        self.key = b""
        self.message = ""
        self.consumed = 0
        self.tokens = 0

    def parse_error(self, why: str) -> None:
        self.stack[-1], self.message = St.PARSE_ERROR, why

    def feed(self, text: bytes) -> bool:
        """One yajl_do_parse call; False once the parse failed."""
        off = 0
        while True:
            self.consumed = off
            self.tokens += 1
            if self.tokens > MAX_TOKENS:
                raise TooLong
            state = self.stack[-1]
            if state in (St.PARSE_ERROR, St.LEXICAL_ERROR):
                return False
            if state == St.COMPLETE:
                if off == len(text):
                    return True
                tok, off, _ = self.lexer.lex(text, off)
                self.consumed = off
                if tok != Tok.EOF:
                    self.parse_error("trailing garbage")
                continue
            tok, off, out = self.lexer.lex(text, off)
            self.consumed = off
            if tok == Tok.EOF:
                return True
            if tok == Tok.ERROR:
                self.stack[-1], self.message = St.LEXICAL_ERROR, self.lexer.error
                continue
            if state in _VALUE_STATES:
                self._value(state, tok)
            elif state in (St.MAP_START, St.MAP_NEED_KEY):
                if tok == Tok.STRING:
                    self.key, self.stack[-1] = out, St.MAP_SEP
                elif tok == Tok.MAP_CLOSE and state == St.MAP_START:
                    self._close()
                else:
                    self.parse_error("invalid object key (must be a string)")
            elif state == St.MAP_SEP:
                if tok == Tok.COLON:
                    self.stack[-1] = St.MAP_NEED_VAL
                else:
                    self.parse_error("object key and value must be separated by a colon (':')")
            elif state == St.MAP_GOT_VAL:
                if tok == Tok.MAP_CLOSE:
                    self._close()
                elif tok == Tok.COMMA:
                    self.stack[-1] = St.MAP_NEED_KEY
                else:
                    self.parse_error("after key and value, inside map, I expect ',' or '}'")
                    off = off - len(out) if off >= len(out) else 0  # yajl's "restore error offset"
                    self.consumed = off
            elif tok == Tok.ARRAY_CLOSE:  # ARRAY_GOT_VAL
                self._close()
            elif tok == Tok.COMMA:
                self.stack[-1] = St.ARRAY_NEED_VAL
            else:
                self.parse_error("after array element, I expect ',' or ']'")

    def _close(self) -> None:
        self.stack.pop()
        self.keys.pop()

    def _value(self, state: int, tok: int) -> None:
        if tok == Tok.ARRAY_CLOSE and state == St.ARRAY_START:
            self._close()
            return
        if tok in (Tok.ARRAY_CLOSE, Tok.MAP_CLOSE, Tok.COLON, Tok.COMMA):
            self.parse_error("unallowed token at this point in JSON text")
            return
        if state == St.MAP_NEED_VAL:
            keys = self.keys[-1]
            if self.key in keys:  # virJSONValueObjectAppend refuses it, the callback cancels
                self.parse_error("client cancelled parse via callback return value")
                return
            keys.add(self.key)
        self.stack[-1] = _AFTER_VALUE[state]
        if tok == Tok.MAP_OPEN:
            self.stack.append(St.MAP_START)
            self.keys.append(set())
        elif tok == Tok.ARRAY_OPEN:
            self.stack.append(St.ARRAY_START)
            self.keys.append(set())


MAX_TOKENS = 50_000  # the replay costs ~2 µs a token: a longer one is not run in the server's thread


class TooLong(Exception):
    """The text has more tokens than the replay may take (MAX_TOKENS)."""


def first_error(data: bytes) -> tuple[str, int] | None:
    """yajl_parse then yajl_complete_parse: None if yajl accepts the text, else its message
    ("lexical error: ..." or "parse error: ...") and the offset its context points at."""
    p = _Parser()
    if p.feed(data) and p.feed(b" "):
        if p.stack[-1] == St.COMPLETE:
            return None
        p.parse_error("premature EOF")
    kind = "lexical error" if p.stack[-1] == St.LEXICAL_ERROR else "parse error"
    return f"{kind}: {p.message}", p.consumed


def depth(value: object) -> int:
    """How deeply arrays and objects nest (iteratively: the value is a client's)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, level = stack.pop()
        if isinstance(v, (dict, list)):
            deepest = max(deepest, level)
            stack.extend((x, level + 1) for x in (v.values() if isinstance(v, dict) else v))
    return deepest


def context(data: bytes, offset: int) -> str:
    """yajl_render_error_string's verbose part: the text around the offset and a caret line."""
    spaces = 40 - offset if offset < 30 else 10
    start = offset - 30 if offset >= 30 else 0
    window = data[start:offset + 30].replace(b"\n", b" ").replace(b"\r", b" ")
    return f"{' ' * spaces}{window.decode('utf-8', 'surrogateescape')}\n{' ' * 21}(right here) ------^\n"
