"""Declarative XDR (RFC 4506) types over xdrlib3, bounds-checked the way rpcgen's filters are.

Every type is an ``XdrType`` with ``pack(packer, value)`` and ``unpack(unpacker)``.  Structs are
declared once, as annotated classes::

    @struct
    class NonnullDomain:
        name: NonnullString
        uuid: Uuid
        id: Int

where each annotation is ``Annotated[python_type, xdr_type]`` (aliases below) or another struct.
The decorator turns the class into a frozen, slotted class with a keyword-only ``__init__`` and
its ``StructCodec`` (built directly, not with dataclasses: see ``struct``).
Decoding checks every bound; ``decode`` rejects trailing bytes.  Anything malformed raises
``XdrError`` and nothing else.

Decoding is exactly as lenient as libtirpc's routines under libvirtd's rpcgen filters: a bool
or an optional's discriminant is true for any nonzero word (xdr_bool, xdr_pointer), an enum
takes any int (xdr_enum), char/short keep the low bits of their word (xdr_char, xdr_short),
padding bytes are skipped unread (xdr_opaque), and a string ends at its first NUL (the C string
libvirtd sees).  Encoding is canonical: 1 for true, zero padding.
"""

from __future__ import annotations

import re
import struct as _struct
import sys
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any, ClassVar, TypeVar, dataclass_transform

from xdrlib3 import Error as _XdrlibError
from xdrlib3 import Packer, Unpacker

__all__ = [
    "XdrError", "XdrType", "Packer", "Unpacker", "struct", "encode", "decode", "is_struct", "codec_of",
    "INT", "UINT", "HYPER", "UHYPER", "BOOL", "DOUBLE", "CHAR", "UCHAR", "SHORT", "USHORT", "VOID",
    "IntType", "BoolType", "DoubleType", "VoidType", "StructCodec",
    "String", "Opaque", "FixedOpaque", "Array", "FixedArray", "Optional", "Enum", "Union",
    "CharArray", "CharVarArray", "FrozenStructError", "struct_fields",
    "Int", "UInt", "Hyper", "UHyper", "Bool", "Double", "Char", "UChar", "Short", "UShort",
]


class XdrError(ValueError):
    """Bytes that are not valid XDR for the expected type, or a value that cannot be encoded."""


class XdrType:
    """One XDR type: how a Python value goes to and from bytes."""

    def pack(self, p: Packer, v: Any) -> None:
        raise NotImplementedError

    def unpack(self, u: Unpacker) -> Any:
        raise NotImplementedError


def _unpacker_remaining(u: Unpacker) -> int:
    return len(u.get_buffer()) - u.get_position()


def _take(u: Unpacker, n: int) -> bytes:
    """Read n raw bytes (plus XDR padding) without trusting n beyond the buffer."""
    padded = (n + 3) & ~3
    if padded > _unpacker_remaining(u):
        raise XdrError(f"need {padded} bytes, {_unpacker_remaining(u)} left")
    pos = u.get_position()
    buf = u.get_buffer()
    u.set_position(pos + padded)
    return bytes(buf[pos:pos + n])


class IntType(XdrType):
    """A fixed-size scalar coded with one struct format and an accepted range."""

    __slots__ = ("fmt", "size", "lo", "hi", "name", "span")

    def __init__(self, name: str, fmt: str, lo: int, hi: int) -> None:
        self.name, self.fmt, self.lo, self.hi = name, _struct.Struct(fmt), lo, hi
        self.size = self.fmt.size
        # char/short travel as a 4-byte word: libtirpc keeps its low bits (a C cast), no check
        self.span = hi - lo + 1 if hi - lo + 1 < 1 << (8 * self.size) else 0

    def pack(self, p: Packer, v: Any) -> None:
        if isinstance(v, bool) or not isinstance(v, int) or not self.lo <= v <= self.hi:
            raise XdrError(f"{self.name}: {v!r} out of range")
        p.pack_fstring(self.size, self.fmt.pack(v))  # already 4-byte aligned: no padding added

    def unpack(self, u: Unpacker) -> Any:
        pos = u.get_position()
        buf = u.get_buffer()
        end = pos + self.size
        if end > len(buf):
            raise XdrError(f"{self.name}: truncated")
        u.set_position(end)
        v = self.fmt.unpack_from(buf, pos)[0]
        if self.span:
            return (v - self.lo) % self.span + self.lo
        return v

    def __repr__(self) -> str:
        return self.name


INT = IntType("int", ">i", -(2**31), 2**31 - 1)
UINT = IntType("unsigned int", ">I", 0, 2**32 - 1)
HYPER = IntType("hyper", ">q", -(2**63), 2**63 - 1)
UHYPER = IntType("unsigned hyper", ">Q", 0, 2**64 - 1)
# rpcgen codes char/short as a whole 4-byte int (xdr_char, xdr_short).
CHAR = IntType("char", ">i", -128, 127)
UCHAR = IntType("unsigned char", ">I", 0, 255)
SHORT = IntType("short", ">i", -(2**15), 2**15 - 1)
USHORT = IntType("unsigned short", ">I", 0, 2**16 - 1)


class BoolType(XdrType):
    """XDR bool (``BOOL``): one word, nonzero is true."""

    def pack(self, p: Packer, v: Any) -> None:
        INT.pack(p, 1 if v else 0)

    def unpack(self, u: Unpacker) -> bool:
        return bool(INT.unpack(u) != 0)  # xdr_bool: anything but FALSE is TRUE


class DoubleType(XdrType):
    """XDR double (``DOUBLE``): an IEEE 754 binary64."""

    def pack(self, p: Packer, v: Any) -> None:
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            raise XdrError(f"double: {v!r} is not a number")
        p.pack_double(float(v))

    def unpack(self, u: Unpacker) -> float:
        if _unpacker_remaining(u) < 8:
            raise XdrError("double: truncated")
        return float(u.unpack_double())


class VoidType(XdrType):
    """XDR void (``VOID``): no bytes, the value None."""

    def pack(self, p: Packer, v: Any) -> None:
        if v is not None:
            raise XdrError("void takes no value")

    def unpack(self, u: Unpacker) -> None:
        return None


BOOL = BoolType()
DOUBLE = DoubleType()
VOID = VoidType()


def _check_len(what: str, n: int, maximum: int | None) -> None:
    if maximum is not None and n > maximum:
        raise XdrError(f"{what}: length {n} greater than maximum {maximum}")


class Opaque(XdrType):
    """Variable-length opaque<max>: u32 length, bytes, padding."""

    def __init__(self, maximum: int | None = None) -> None:
        self.maximum = maximum

    def pack(self, p: Packer, v: Any) -> None:
        if not isinstance(v, (bytes, bytearray, memoryview)):
            raise XdrError(f"opaque: {type(v).__name__} is not bytes")
        _check_len("opaque", len(v), self.maximum)
        p.pack_bytes(bytes(v))

    def unpack(self, u: Unpacker) -> bytes:
        n = UINT.unpack(u)
        _check_len("opaque", n, self.maximum)
        return _take(u, n)


def _c_string(data: bytes) -> str:
    """The text of a C string: up to the first NUL; bytes that are not UTF-8 are kept as
    surrogate escapes, so they encode back to the same bytes (and show in libvirt's messages)."""
    end = data.find(0)
    return (data if end < 0 else data[:end]).decode("utf-8", "surrogateescape")


class String(XdrType):
    """string<max>: like opaque, holding text; decoded as the C string libvirtd sees."""

    def __init__(self, maximum: int | None = None) -> None:
        self.maximum = maximum

    def pack(self, p: Packer, v: Any) -> None:
        if not isinstance(v, str):
            raise XdrError(f"string: {type(v).__name__} is not str")
        data = v.encode("utf-8", "surrogateescape")
        _check_len("string", len(data), self.maximum)
        p.pack_bytes(data)

    def unpack(self, u: Unpacker) -> str:
        n = UINT.unpack(u)
        _check_len("string", n, self.maximum)
        return _c_string(_take(u, n))


class FixedOpaque(XdrType):
    """opaque x[n]: exactly n bytes plus padding."""

    def __init__(self, size: int) -> None:
        self.size = size

    def pack(self, p: Packer, v: Any) -> None:
        if not isinstance(v, (bytes, bytearray)) or len(v) != self.size:
            raise XdrError(f"opaque[{self.size}]: need exactly {self.size} bytes")
        p.pack_fopaque(self.size, bytes(v))

    def unpack(self, u: Unpacker) -> bytes:
        return _take(u, self.size)


class Array(XdrType):
    """T x<max>: u32 count then the elements; the Python value is a tuple."""

    def __init__(self, elem: Any, maximum: int | None = None) -> None:
        self.elem, self.maximum = codec_of(elem), maximum

    def pack(self, p: Packer, v: Any) -> None:
        if isinstance(v, (str, bytes)) or not isinstance(v, Iterable):
            raise XdrError("array: value is not a sequence")
        items = list(v)
        _check_len("array", len(items), self.maximum)
        UINT.pack(p, len(items))
        if isinstance(self.elem, StructCodec):
            memo: dict[int, bytes] = {}  # nested structs shared by many items are packed once
            for item in items:
                self.elem.pack(p, item, memo)
            return
        pack = self.elem.pack
        for item in items:
            pack(p, item)

    def unpack(self, u: Unpacker) -> tuple[Any, ...]:
        n = UINT.unpack(u)
        _check_len("array", n, self.maximum)
        if n * 4 > _unpacker_remaining(u):  # every element takes at least 4 bytes
            raise XdrError(f"array: {n} elements cannot fit in what is left")
        unpack = self.elem.unpack
        return tuple(unpack(u) for _ in range(n))


class FixedArray(XdrType):
    """T x[n]: exactly n elements, no count."""

    def __init__(self, elem: Any, size: int) -> None:
        self.elem, self.size = codec_of(elem), size

    def pack(self, p: Packer, v: Any) -> None:
        items = list(v)
        if len(items) != self.size:
            raise XdrError(f"array[{self.size}]: got {len(items)} elements")
        for item in items:
            self.elem.pack(p, item)

    def unpack(self, u: Unpacker) -> tuple[Any, ...]:
        return tuple(self.elem.unpack(u) for _ in range(self.size))


class CharArray(XdrType):
    """char x[n] holding a NUL-padded C string (each char is 4 bytes on the wire)."""

    def __init__(self, size: int) -> None:
        self.size = size

    def pack(self, p: Packer, v: Any) -> None:
        data = v.encode("utf-8", "surrogateescape")[: self.size - 1]
        for b in data.ljust(self.size, b"\0"):
            CHAR.pack(p, b - 256 if b > 127 else b)

    def unpack(self, u: Unpacker) -> str:
        raw = bytes((CHAR.unpack(u) & 0xFF) for _ in range(self.size))
        return _c_string(raw[: self.size - 1])  # room for the NUL, as on encode


class CharVarArray(XdrType):
    """char x<max> holding a C string; sent with its NUL, as libvirtd does."""

    def __init__(self, maximum: int) -> None:
        self.maximum = maximum

    def pack(self, p: Packer, v: Any) -> None:
        data = v.encode("utf-8", "surrogateescape") + b"\0" if v else b""
        _check_len("char array", len(data), self.maximum)
        UINT.pack(p, len(data))
        for b in data:
            CHAR.pack(p, b - 256 if b > 127 else b)

    def unpack(self, u: Unpacker) -> str:
        n = UINT.unpack(u)
        _check_len("char array", n, self.maximum)
        if n * 4 > _unpacker_remaining(u):
            raise XdrError("char array: truncated")
        raw = bytes((CHAR.unpack(u) & 0xFF) for _ in range(n))
        return _c_string(raw[: self.maximum - 1])  # room for the NUL, as on encode


class Optional(XdrType):
    """T *x: u32 0 (absent, None) or u32 1 followed by T (xdr_pointer reads any nonzero as 1)."""

    def __init__(self, elem: Any) -> None:
        self.elem = codec_of(elem)

    def pack(self, p: Packer, v: Any) -> None:
        if v is None:
            UINT.pack(p, 0)
        else:
            UINT.pack(p, 1)
            self.elem.pack(p, v)

    def unpack(self, u: Unpacker) -> Any:
        if UINT.unpack(u) == 0:
            return None
        return self.elem.unpack(u)


class Enum(XdrType):
    """An XDR enum over an IntEnum.  Like xdr_enum, any int travels: decode gives the member, or
    the plain int for a value the IntEnum lacks, and encode takes either."""

    def __init__(self, cls: Any) -> None:
        self.cls = cls
        self.values = {int(m) for m in cls}

    def pack(self, p: Packer, v: Any) -> None:
        INT.pack(p, int(v))

    def unpack(self, u: Unpacker) -> Any:
        v = INT.unpack(u)
        return self.cls(v) if v in self.values else v


class Union(XdrType):
    """union switch (int d): the Python value is a (discriminant, arm value) pair."""

    def __init__(self, arms: Mapping[int, Any]) -> None:
        self.arms = {d: codec_of(t) for d, t in arms.items()}

    def pack(self, p: Packer, v: Any) -> None:
        try:
            disc, value = v
        except (TypeError, ValueError):
            raise XdrError("union: value must be a (discriminant, value) pair") from None
        arm = self.arms.get(disc)
        if arm is None:
            raise XdrError(f"union: no arm for discriminant {disc!r}")
        INT.pack(p, disc)
        arm.pack(p, value)

    def unpack(self, u: Unpacker) -> tuple[int, Any]:
        disc = INT.unpack(u)
        arm = self.arms.get(disc)
        if arm is None:
            raise XdrError(f"union: no arm for discriminant {disc}")
        return disc, arm.unpack(u)


# ---- structs -------------------------------------------------------------------------------

_T = TypeVar("_T")


class StructCodec(XdrType):
    """Codec of one @struct class: fields in declaration order.

    ``fields`` may be a function giving them: they are then resolved on first use (``__getattr__``
    runs only while the attributes are missing), so declaring hundreds of structs costs no
    annotation evaluation at import."""

    fields: list[tuple[str, XdrType]]
    names: list[str]
    codecs: list[XdrType]

    def __init__(self, cls: type, fields: list[tuple[str, XdrType]] | Callable[[], list[tuple[str, XdrType]]]) -> None:
        self.cls = cls
        if callable(fields):
            self._resolve: Callable[[], list[tuple[str, XdrType]]] | None = fields
        else:
            self._resolve = None
            self._set_fields(fields)

    def _set_fields(self, fields: list[tuple[str, XdrType]]) -> None:
        self.fields = fields
        self.names = [n for n, _ in fields]
        self.codecs = [c for _, c in fields]

    def __getattr__(self, name: str) -> Any:
        resolve = self.__dict__.get("_resolve")
        if name not in ("fields", "names", "codecs") or resolve is None:
            raise AttributeError(name)
        self._set_fields(resolve())
        self._resolve = None
        return getattr(self, name)

    def pack(self, p: Packer, v: Any, memo: dict[int, bytes] | None = None) -> None:
        """Pack v; with ``memo`` (an array's elements), nested struct values are packed once per
        object (struct values are immutable, and the array keeps them alive while it is packed)."""
        if type(v) is not self.cls:
            raise XdrError(f"{self.cls.__name__}: got {type(v).__name__}")
        for name, codec in self.fields:
            value = getattr(v, name)
            try:
                if memo is not None and isinstance(codec, StructCodec):
                    data = memo.get(id(value))
                    if data is None:
                        sub = Packer()
                        codec.pack(sub, value)
                        data = memo[id(value)] = sub.get_buffer()
                    p.pack_fopaque(len(data), data)  # XDR data is whole words: written as is
                else:
                    codec.pack(p, value)
            except XdrError as e:
                raise XdrError(f"{self.cls.__name__}.{name}: {e}") from None

    def unpack(self, u: Unpacker) -> Any:
        values = [c.unpack(u) for c in self.codecs]
        obj: Any = object.__new__(self.cls)
        for name, value in zip(self.names, values, strict=True):
            object.__setattr__(obj, name, value)
        return obj


def codec_of(t: Any) -> XdrType:
    """The XdrType of a declaration: an XdrType itself, a @struct class, or Annotated[..., XdrType]."""
    if isinstance(t, XdrType):
        return t
    codec = getattr(t, "__xdr__", None)
    if isinstance(codec, XdrType):
        return codec
    for meta in getattr(t, "__metadata__", ()):
        if isinstance(meta, XdrType):
            return meta
    raise TypeError(f"{t!r} is not an XDR type")


class FrozenStructError(AttributeError):
    """Struct values are immutable: build a new one instead."""


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenStructError(f"cannot assign to field {name!r} of {type(self).__name__}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise FrozenStructError(f"cannot delete field {name!r} of {type(self).__name__}")


def _values(self: Any) -> tuple[Any, ...]:
    return tuple(getattr(self, n) for n in self.__struct_fields__)


def _eq(self: Any, other: Any) -> Any:
    if type(other) is not type(self):
        return NotImplemented
    return _values(self) == _values(other)


def _hash(self: Any) -> int:
    return hash((type(self), _values(self)))


def _repr(self: Any) -> str:
    inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__struct_fields__)
    return f"{type(self).__qualname__}({inner})"


@dataclass_transform(frozen_default=True, kw_only_default=True)
def struct(cls: type[_T]) -> type[_T]:
    """Declare an XDR struct from an annotated class (see module docstring).

    The result is a frozen, slotted class with a keyword-only ``__init__`` requiring every field.
    It is built directly rather than with dataclasses: fakevirt declares hundreds of structs and
    dataclass generation made start-up several times slower. For the same reason the annotations
    are evaluated (into the codec) and ``__init__`` is compiled on first use, not here.
    """
    names = tuple(n for n, t in cls.__dict__.get("__annotations__", {}).items() if not _is_classvar(t))
    attrs = {k: v for k, v in cls.__dict__.items() if k not in ("__dict__", "__weakref__")}
    attrs.update(__slots__=names, __init__=_first_init, __eq__=_eq, __hash__=_hash,
                 __repr__=_repr, __setattr__=_frozen_setattr, __delattr__=_frozen_delattr,
                 __match_args__=names, __struct_fields__=names)
    for n in names:
        attrs.pop(n, None)  # a default value would clash with the slot
    new: Any = type(cls.__name__, cls.__bases__, attrs)
    new.__xdr__ = StructCodec(new, lambda: _resolve_fields(new, names))
    return typing.cast("type[_T]", new)


def _resolve_fields(cls: type, names: tuple[str, ...]) -> list[tuple[str, XdrType]]:
    hints = typing.get_type_hints(cls, vars(sys.modules[cls.__module__]), include_extras=True)
    return [(n, codec_of(hints[n])) for n in names]


def _compile_init(names: tuple[str, ...]) -> Callable[..., None]:
    body = "".join(f"    _set(self, {n!r}, {n})\n" for n in names) or "    pass\n"
    namespace: dict[str, Any] = {}
    exec(f"def __init__(self, *, {', '.join(names)}):\n{body}" if names else f"def __init__(self):\n{body}",
         {"_set": object.__setattr__}, namespace)
    init: Callable[..., None] = namespace["__init__"]
    return init


def _first_init(self: Any, *args: Any, **kwargs: Any) -> None:
    """The first construction of a struct compiles its real ``__init__`` and puts it in place."""
    cls = type(self)
    init = _compile_init(cls.__struct_fields__)
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init
    init(self, *args, **kwargs)


def struct_fields(t: Any) -> tuple[str, ...]:
    """The field names of a @struct class, in wire order."""
    return tuple(t.__struct_fields__)


_CLASSVAR = re.compile(r"\s*(typing\.)?ClassVar\b")


def _is_classvar(t: Any) -> bool:
    """Whether an annotation (a string under ``from __future__ import annotations``) is a ClassVar."""
    if isinstance(t, str):
        return _CLASSVAR.match(t) is not None
    return t is ClassVar or typing.get_origin(t) is ClassVar


def is_struct(t: Any) -> bool:
    return isinstance(getattr(t, "__xdr__", None), StructCodec)


_CONVERSION_ERRORS = (_XdrlibError, EOFError, ValueError, TypeError, OverflowError, IndexError,
                      AttributeError, UnicodeError, _struct.error)


def encode(t: Any, value: Any) -> bytes:
    """Encode value as XDR type t (None for a void type gives b''); only XdrError escapes."""
    if t is None:
        if value is not None:
            raise XdrError("void takes no value")
        return b""
    codec = codec_of(t)  # TypeError for something that is not a type: a programming error
    p = Packer()
    try:
        codec.pack(p, value)
    except XdrError:
        raise
    except _CONVERSION_ERRORS as e:
        raise XdrError(f"cannot encode {value!r:.80}: {e}") from None
    return p.get_buffer()


def decode(t: Any, data: bytes, *, allow_trailing: bool = False) -> Any:
    """Decode data as XDR type t, rejecting truncation and (unless allowed) trailing bytes.

    libvirtd's rpcgen filters ignore bytes after the arguments, so the server side of the
    engine allows them; everything else is strict.
    """
    if t is None:
        if data and not allow_trailing:
            raise XdrError(f"{len(data)} trailing bytes after void")
        return None
    u = Unpacker(data)
    try:
        v = codec_of(t).unpack(u)
    except XdrError:
        raise
    except _CONVERSION_ERRORS as e:
        raise XdrError(str(e) or type(e).__name__) from None
    left = _unpacker_remaining(u)
    if left and not allow_trailing:
        raise XdrError(f"{left} trailing bytes")
    return v


# Aliases for declarations: Annotated[python type, XDR type]
Int = Annotated[int, INT]
UInt = Annotated[int, UINT]
Hyper = Annotated[int, HYPER]
UHyper = Annotated[int, UHYPER]
Bool = Annotated[bool, BOOL]
Double = Annotated[float, DOUBLE]
Char = Annotated[int, CHAR]
UChar = Annotated[int, UCHAR]
Short = Annotated[int, SHORT]
UShort = Annotated[int, USHORT]

PackFn = Callable[[Packer, Any], None]
