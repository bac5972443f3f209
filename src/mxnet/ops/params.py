"""Typed operator parameters: parsing Python values and MXNet's string forms ("(3, 3)", "True")."""
import ast

import numpy as np

from ..base import MXNetError, _Null

__all__ = ["Param", "REQUIRED", "Int", "Float", "Bool", "Str", "Shape", "Enum", "DType",
           "IntOrNone", "FloatOrNone", "ShapeOrNone", "Tuple", "Any"]


class _Required:
    def __repr__(self):
        return "REQUIRED"


REQUIRED = _Required()


class ParamType:
    """A parameter type: ``parse`` accepts Python values and their string forms."""
    doc = "any"

    def parse(self, value):
        return value

    def to_str(self, value):
        return str(value)


def _literal(s):
    s = s.strip()
    if s in ("None", ""):
        return None
    try:
        return ast.literal_eval(s)
    except (ValueError, SyntaxError):
        return s


class _Int(ParamType):
    doc = "int"

    def parse(self, value):
        if isinstance(value, str):
            value = _literal(value)
        if isinstance(value, (bool, np.bool_)):
            return int(value)
        if isinstance(value, (int, np.integer)):
            return int(value)
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            return int(value)
        raise ValueError("expected an int, got {!r}".format(value))


class _Float(ParamType):
    doc = "float"

    def parse(self, value):
        if isinstance(value, str):
            v = value.strip().lower()
            if v in ("inf", "+inf", "infinity"):
                return float("inf")
            if v in ("-inf", "-infinity"):
                return float("-inf")
            if v == "nan":
                return float("nan")
            value = _literal(value)
        if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, (bool, np.bool_)):
            return float(value)
        raise ValueError("expected a float, got {!r}".format(value))

    def to_str(self, value):
        return repr(float(value)) if value == value else "nan"


class _Bool(ParamType):
    doc = "boolean"

    def parse(self, value):
        if isinstance(value, str):
            v = value.strip().lower()
            if v in ("true", "1"):
                return True
            if v in ("false", "0"):
                return False
            raise ValueError("expected a boolean, got {!r}".format(value))
        if isinstance(value, (bool, np.bool_, int, np.integer)):
            return bool(value)
        raise ValueError("expected a boolean, got {!r}".format(value))


class _Str(ParamType):
    doc = "string"

    def parse(self, value):
        return str(value)


class _Any(ParamType):
    doc = "any"


class _Shape(ParamType):
    doc = "Shape(tuple)"

    def parse(self, value):
        if isinstance(value, str):
            value = _literal(value)
        if value is None:
            raise ValueError("expected a shape, got None")
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            return (int(value),)
        try:
            return tuple(int(_Int().parse(v)) for v in value)
        except TypeError:
            raise ValueError("expected a shape (tuple of ints), got {!r}".format(value)) from None

    def to_str(self, value):
        return "(" + ", ".join(str(v) for v in value) + ("," if len(value) == 1 else "") + ")"


class _Tuple(ParamType):
    """A tuple of floats (e.g. ``scales`` or ``sizes``)."""
    doc = "tuple of <float>"

    def parse(self, value):
        if isinstance(value, str):
            value = _literal(value)
        if isinstance(value, (int, float, np.number)):
            return (float(value),)
        return tuple(float(v) for v in value)

    def to_str(self, value):
        return "(" + ", ".join(repr(v) for v in value) + ("," if len(value) == 1 else "") + ")"


class _OrNone(ParamType):
    def __init__(self, inner):
        self.inner = inner
        self.doc = inner.doc + " or None"

    def parse(self, value):
        if value is None or (isinstance(value, str) and value.strip() in ("None", "")):
            return None
        return self.inner.parse(value)

    def to_str(self, value):
        return "None" if value is None else self.inner.to_str(value)


class Enum(ParamType):
    """One of a fixed set of strings (``act_type``, ``pool_type``...)."""

    def __init__(self, *choices, none=False):
        self.choices = choices
        self.none = none
        self.doc = "{" + ", ".join(("None",) * none + tuple(repr(c) for c in choices)) + "}"

    def parse(self, value):
        if self.none and (value is None or value == "None"):
            return None
        if isinstance(value, type) or isinstance(value, np.dtype):
            value = np.dtype(value).name
        value = str(value)
        if value not in self.choices:
            raise ValueError("expected one of {}, got {!r}".format(list(self.choices), value))
        return value


DTYPE_CHOICES = ("float16", "float32", "float64", "int32", "int64", "int8", "uint8", "bool")


def DType(*choices, none=False):
    """A dtype parameter, parsed to its name ('float32', ...)."""
    return Enum(*(choices or DTYPE_CHOICES), none=none)


Int = _Int()
Float = _Float()
Bool = _Bool()
Str = _Str()
Shape = _Shape()
Tuple = _Tuple()
Any = _Any()
IntOrNone = _OrNone(_Int())
FloatOrNone = _OrNone(_Float())
ShapeOrNone = _OrNone(_Shape())


class Param:
    """One operator parameter: name, type, default (or REQUIRED), and its description."""
    __slots__ = ("name", "type", "default", "doc")

    def __init__(self, name, ptype, default=REQUIRED, doc=""):
        self.name = name
        self.type = ptype
        self.default = default
        self.doc = doc

    @property
    def required(self):
        return self.default is REQUIRED

    def parse(self, value, opname):
        try:
            return self.type.parse(value)
        except (ValueError, TypeError) as e:
            raise MXNetError("Invalid parameter {}={!r} for operator {}: {}".format(
                self.name, value, opname, e)) from None

    def type_doc(self):
        if self.required:
            return "{}, required".format(self.type.doc)
        return "{}, optional, default={!r}".format(self.type.doc, self.default)


def is_given(value):
    return value is not _Null
