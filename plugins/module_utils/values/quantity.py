# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes resource quantities with the semantics of k8s.io/apimachinery ``pkg/api/resource``.

A quantity is an exact decimal ``unscaled * 10**scale`` and a format (``BinarySI``, ``DecimalSI``
or ``DecimalExponent``). Parsing, rounding to nano units, the sum's format and the canonical
``String()`` form follow apimachinery (``quantity.go``, ``amount.go``, ``suffix.go``); Python's
unbounded integers stand in for its int64 / inf.Dec pair, with the same observable results.
The canonical text itself is ``values.quantity_print``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from fractions import Fraction

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity_print import (
    BINARY_SI, DECIMAL_EXPONENT, DECIMAL_SI, canonical as _canonical)

# suffix -> (base, exponent, format); apimachinery suffix.go
_SUFFIXES = {
    "": (10, 0, DECIMAL_SI),
    "n": (10, -9, DECIMAL_SI),
    "u": (10, -6, DECIMAL_SI),
    "m": (10, -3, DECIMAL_SI),
    "k": (10, 3, DECIMAL_SI),
    "M": (10, 6, DECIMAL_SI),
    "G": (10, 9, DECIMAL_SI),
    "T": (10, 12, DECIMAL_SI),
    "P": (10, 15, DECIMAL_SI),
    "E": (10, 18, DECIMAL_SI),
    "Ki": (2, 10, BINARY_SI),
    "Mi": (2, 20, BINARY_SI),
    "Gi": (2, 30, BINARY_SI),
    "Ti": (2, 40, BINARY_SI),
    "Pi": (2, 50, BINARY_SI),
    "Ei": (2, 60, BINARY_SI),
}
_SUFFIX_LETTERS = frozenset("eEinumkKMGTP")
_DIGITS = frozenset("0123456789")
_NANO = -9
_MAX_INT64_FACTORS = 18  # apimachinery math.go maxInt64Factors
_INT64_MAX = (1 << 63) - 1
_INT64_MIN = -(1 << 63)
_MAX_BINARY = _INT64_MAX  # ParseQuantity caps BinarySI at max int64
# Exponents beyond this are refused: Go wraps them to int32 and then computes for minutes too.
_MAX_EXPONENT = 1000
# strings.TrimSpace trims unicode.IsSpace: not Python's str.isspace (which adds U+001C..U+001F).
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007" \
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_MAX_CACHED_PARSES = 4096


class Quantity:
    """An immutable Kubernetes quantity: exact value ``unscaled * 10**scale`` and a format."""

    __slots__ = ("unscaled", "scale", "format", "_text", "dec")

    def __init__(self, unscaled, scale=0, fmt=DECIMAL_SI, text=None, dec=False):
        self.unscaled = unscaled
        self.scale = scale
        self.format = fmt
        self._text = text  # the string Go would print (cached original or computed canonical)
        # Go holds this value as an *inf.Dec, which struct copies share and Add changes in place
        # (see kubevirt.resources.Resources.add); an int64 amount is copied by value.
        self.dec = dec

    # -- constructors, as resource.NewQuantity / NewMilliQuantity / NewScaledQuantity
    @classmethod
    def from_int(cls, value, fmt=DECIMAL_SI):
        return cls(value, 0, fmt)

    @classmethod
    def from_milli(cls, value, fmt=DECIMAL_SI):
        return cls(value, -3, fmt)

    @classmethod
    def from_scaled(cls, value, scale):
        return cls(value, scale, DECIMAL_SI)

    # -- printing
    def __str__(self):
        text = self._text
        if text is None:
            key = (self.unscaled, self.scale, self.format)
            text = _PRINTED.get(key)
            if text is None:
                text = _canonical(self.unscaled, self.scale, self.format)
                if len(_PRINTED) < _MAX_CACHED_PARSES:
                    _PRINTED[key] = text
            self._text = text
        return text

    def canonical(self):
        """The canonical form, even where Go would print a cached original string."""
        return _canonical(self.unscaled, self.scale, self.format)

    def __repr__(self):
        return "Quantity(%r, %s)" % (str(self), self.format)

    # -- arithmetic (Go Add / Sub / Neg / Mul: the left operand's format unless it is zero)
    def __add__(self, other):
        left = self.unscaled
        fmt = self.format if left else other.format
        scale = self.scale
        b = other.scale
        if scale == b:
            total = left + other.unscaled
        elif scale > b:
            left *= 10 ** (scale - b)
            total = left + other.unscaled
            scale = b
        else:
            total = left + other.unscaled * 10 ** (b - scale)
        dec = self.dec or other.dec or not (
            _INT64_MIN <= left <= _INT64_MAX and _INT64_MIN <= total <= _INT64_MAX)
        return Quantity(total, scale, fmt, None, dec)

    def __sub__(self, other):
        return self + Quantity(-other.unscaled, other.scale, other.format)

    def __neg__(self):
        return Quantity(-self.unscaled, self.scale, self.format, None, self.dec)

    def mul(self, factor):
        product = self.unscaled * factor
        return Quantity(product, self.scale, self.format, None,
                        self.dec or not _INT64_MIN <= product <= _INT64_MAX)

    # -- comparison by value
    def cmp(self, other):
        a, b = self.scale, other.scale
        left, right = self.unscaled, other.unscaled
        if a > b:
            left *= 10 ** (a - b)
        elif b > a:
            right *= 10 ** (b - a)
        return (left > right) - (left < right)

    def __eq__(self, other):
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.cmp(other) == 0

    def __ne__(self, other):
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.cmp(other) != 0

    def __lt__(self, other):
        return self.cmp(other) < 0

    def __le__(self, other):
        return self.cmp(other) <= 0

    def __gt__(self, other):
        return self.cmp(other) > 0

    def __ge__(self, other):
        return self.cmp(other) >= 0

    def __hash__(self):
        return hash(self.as_fraction())

    def is_zero(self):
        return self.unscaled == 0

    def sign(self):
        return (self.unscaled > 0) - (self.unscaled < 0)

    # -- values
    def as_fraction(self):
        if self.scale >= 0:
            return Fraction(self.unscaled * 10 ** self.scale)
        return Fraction(self.unscaled, 10 ** -self.scale)

    def scaled_value(self, scale):
        """Go ScaledValue: the value in units of 10**scale, rounded away from zero."""
        shift = self.scale - scale
        if shift >= 0:
            return self.unscaled * 10 ** shift
        if self.unscaled >= 0:  # (the common case: a ceiling division, without the call)
            return -(-self.unscaled // 10 ** -shift)
        return _divide_away_from_zero(self.unscaled, 10 ** -shift)

    def value(self):
        if self.scale == 0:  # (the common case, without a second call)
            return self.unscaled
        return self.scaled_value(0)

    def milli_value(self):
        return self.scaled_value(-3)

    def round_up(self, scale):
        """Go RoundUp: (quantity rounded away from zero to 10**scale units, exact)."""
        if self.scale >= scale:
            return self, True
        rounded = _divide_away_from_zero(self.unscaled, 10 ** (scale - self.scale))
        result = Quantity(rounded, scale, self.format)
        return result, result.cmp(self) == 0


# Go's zero value ``resource.Quantity{}``: no format, so a sum takes the other operand's format.
ZERO_UNSET = Quantity(0, 0, "")


def _divide_away_from_zero(value, divisor):
    quotient, remainder = divmod(abs(value), divisor)
    if remainder:
        quotient += 1
    return quotient if value >= 0 else -quotient


def _split(text):
    """apimachinery parseQuantityString: (positive, value, num, denom, suffix) or None."""
    end = len(text)
    pos = 0
    positive = True
    if end and text[0] in "+-":
        positive = text[0] == "+"
        pos = 1
    while pos < end and text[pos] == "0":
        pos += 1
    if pos >= end:
        return positive, "0", "0", "", ""
    start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    num = text[start:pos] or "0"
    if pos >= end:
        return positive, text, num, "", ""
    denom = ""
    if text[pos] == ".":
        pos += 1
        start = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        denom = text[start:pos]
        if pos >= end:
            return positive, text, num, denom, ""
    value = text[:pos]
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_LETTERS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end:
        return None
    return positive, value, num, denom, text[suffix_start:]


def _interpret(suffix):
    found = _SUFFIXES.get(suffix)
    if found is not None:
        return found
    if len(suffix) > 1 and suffix[0] in "eE":
        digits = suffix[1:]
        body = digits[1:] if digits[0] in "+-" else digits
        if body and body.isdigit() and body.isascii():
            exponent = int(digits)
            if -(1 << 63) <= exponent < (1 << 63):
                exponent = (exponent + (1 << 31)) % (1 << 32) - (1 << 31)  # Go's int32(parsed)
                return 10, exponent, DECIMAL_EXPONENT
    return None


def _decimal_digits(value):
    """(unscaled, scale) of a plain decimal string such as '-12.50', or None (inf.Dec SetString)."""
    sign = 1
    if value[:1] in ("+", "-"):
        sign = -1 if value[0] == "-" else 1
        value = value[1:]
    whole, _point, frac = value.partition(".")
    digits = whole + frac
    if not digits or not digits.isascii() or not digits.isdigit():
        return None
    return sign * int(digits), -len(frac)


def _parse_text(text):
    """apimachinery ParseQuantity; returns a Quantity or None when the text is not a quantity."""
    if text == "0":
        return Quantity(0, 0, DECIMAL_SI, "0")
    if not text:
        return None
    parts = _split(text)
    if parts is None:
        return None
    positive, value, num, denom, suffix = parts
    interpreted = _interpret(suffix)
    if interpreted is None:
        return None
    base, exponent, fmt = interpreted
    if abs(exponent) > _MAX_EXPONENT:
        return None

    # The int64 fast path of ParseQuantity: it decides whether the input string is kept as the
    # printed form (Go keeps it when it is already canonical).
    mantissa = 1
    scale = 0
    if fmt == BINARY_SI:
        if exponent >= 0 and not denom:
            mantissa = 1 << exponent
            precision = 15 - len(num) - int(exponent * 3 / 10) - 1
        else:
            precision = -1
    else:
        scale = exponent
        precision = _MAX_INT64_FACTORS - (len(num) + len(denom))
    if precision >= 0:
        scale -= len(denom)
        if scale >= _NANO:
            shifted = num + denom
            parsed = int(shifted)
            result = parsed * mantissa
            if result < (1 << 63):
                if not positive:
                    result = -result
                if fmt == BINARY_SI:
                    keep = exponent % 10 == 0 and parsed & 7 != 0
                else:
                    keep = scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0"
                return Quantity(result, scale, fmt, text if keep else None)

    digits = _decimal_digits(value)
    if digits is None:
        return None
    unscaled, scale = digits
    if base == 10:
        scale += exponent
    else:
        unscaled <<= exponent
    magnitude = -unscaled if unscaled < 0 else unscaled
    if scale < _NANO and magnitude:
        # Round non-zero values up (away from zero) to whole nano units: ask for some, get some.
        magnitude = _divide_away_from_zero(magnitude, 10 ** (_NANO - scale))
        scale = _NANO
    if fmt == BINARY_SI:
        one = 10 ** -scale if scale < 0 else 1  # the unscaled value of 1 at this scale
        size = magnitude * 10 ** scale if scale > 0 else magnitude
        if size > _MAX_BINARY * one:
            magnitude, scale, size, one = _MAX_BINARY, 0, _MAX_BINARY, 1
        if 0 < size < one:
            fmt = DECIMAL_SI  # a BinarySI fraction of one prints in DecimalSI
    return Quantity(magnitude if unscaled >= 0 else -magnitude, scale, fmt, None, True)


def parse_exact(text):
    """resource.ParseQuantity itself (no blanks trimmed): a Quantity, or None if Go would fail."""
    if not isinstance(text, str):
        return None
    try:
        return parse_quantity(text) if text == text.strip(_GO_SPACE) else None
    except VmpodInputError:
        return None


# quantities by the text they were parsed from (fields reads it for its fast path; only
# parse_quantity adds to it)
PARSED = {}
_PRINTED = {}  # canonical strings by (unscaled, scale, format): values recur across VMIs


# No quantity a Pod or VMI holds needs more (an int64 has 19 digits; the longest suffixes and
# exponents add a few): longer text is refused before any digit is converted.
MAX_QUANTITY_CHARS = 100
_MAX_INT_BITS = 320


def parse_quantity(value, path=""):
    """Parse a quantity as the Kubernetes API does when it reads JSON (surrounding blanks trimmed).

    ``value`` may be a string, an int or a float (a YAML number). Anything else, or a string that
    is not a quantity, raises :class:`VmpodInputError` naming ``path``.
    """
    if isinstance(value, Quantity):
        return value
    text = value
    if not isinstance(value, str):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise VmpodInputError(path, value, "is not a quantity")
        if isinstance(value, int) and value.bit_length() > _MAX_INT_BITS:
            raise VmpodInputError(path, value, "is too large a number for a quantity")
        text = repr(value) if isinstance(value, float) else str(value)
    if len(text) > MAX_QUANTITY_CHARS:
        raise VmpodInputError(path, value, "is not a quantity (longer than %d characters)" % MAX_QUANTITY_CHARS)
    found = PARSED.get(text)
    if found is None:
        found = _parse_text(text.strip(_GO_SPACE))
        if found is None:
            raise VmpodInputError(path, value, "is not a quantity")
        if len(PARSED) < _MAX_CACHED_PARSES:
            PARSED[text] = found
    if found.dec:  # each parse is its own *inf.Dec in Go: never share one between two fields
        return Quantity(found.unscaled, found.scale, found.format, None, True)
    return found


def printed(resources):
    """A resource list as {name: the quantity's string}, by name: what Kubernetes objects hold."""
    names = [*resources]
    names.sort()  # (a little quicker than sorted() for these few names)
    texts = {}
    for name in names:
        quantity = resources[name]
        # (a string once printed is kept in the quantity: read it without calling __str__)
        texts[name] = quantity._text or str(quantity)
    return texts
