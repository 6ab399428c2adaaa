# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hypothesis property tests for plugins/module_utils/values/quantity.py.

Inputs are drawn from the quantity grammar of quantity.go (sign, digits, optional fraction,
suffix).  The oracles below restate k8s.io/apimachinery pkg/api/resource rules:

* value:   ParseQuantity rounds a non-zero magnitude up to a multiple of 1e-9 (inf.RoundUp on
           the absolute value), caps BinarySI magnitudes at 2**63-1 (maxAllowed) and switches
           BinarySI to DecimalSI when 0 < |value| < 1;
* string:  CanonicalizeBytes (zero -> "0"; BinarySI printed as DecimalSI when -1024 < v < 1024 or
           v is not whole; otherwise mantissa * 1024**k; decimal forms move factors of ten into
           the exponent and lower it to a multiple of three);
* caching: ParseQuantity keeps the input as q.s on its fast path when it is already canonical
           (see the "if the number is in canonical form, reuse the string" branch).

Magnitudes are kept below 1e21 so that the DecimalSI suffix table (n..E) always has an entry;
beyond it Go prints no suffix at all (tested separately in test_quantity.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
from fractions import Fraction

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import assume, given, settings, HealthCheck  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import (  # noqa: E402
    BINARY_SI,
    DECIMAL_EXPONENT,
    DECIMAL_SI,
    Quantity,
    parse_quantity,
)

BIN, DEC, EXP = BINARY_SI, DECIMAL_SI, DECIMAL_EXPONENT
MAX_ALLOWED = (1 << 63) - 1
NANO = Fraction(1, 10 ** 9)

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
SETTINGS_SMALL = settings(max_examples=80, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])

DECIMAL_SUFFIXES = {"": 0, "n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15,
                    "E": 18}
BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
SI_BY_EXPONENT = dict((v, k) for k, v in DECIMAL_SUFFIXES.items())
BIN_BY_POWER = {1: "Ki", 2: "Mi", 3: "Gi", 4: "Ti", 5: "Pi", 6: "Ei"}


# ------------------------------------------------------------------------------------------
# oracles
# ------------------------------------------------------------------------------------------

def away_from_zero(x):
    return math.ceil(x) if x >= 0 else math.floor(x)


def oracle_canonical(value, fmt):
    """CanonicalizeBytes for an exact value (a decimal rational) and a format."""
    if value == 0:
        return "0"
    if fmt == BIN and (-1024 < value < 1024 or value.denominator != 1):
        fmt = DEC
    if fmt == BIN:
        n, power = int(value), 0
        while n % 1024 == 0:
            n //= 1024
            power += 1
        return str(n) + BIN_BY_POWER.get(power, "")
    exponent, scaled = 0, value
    while scaled.denominator != 1:
        scaled *= 10
        exponent -= 1
    n = int(scaled)
    while n % 10 == 0:
        n //= 10
        exponent += 1
    while exponent % 3:
        n *= 10
        exponent -= 1
    if fmt == DEC:
        return str(n) + SI_BY_EXPONENT.get(exponent, "")
    return str(n) + ("e%d" % exponent if exponent else "")


def split(text):
    """(positive, integer digits, fraction digits or None, suffix) of a generated input."""
    positive = not text.startswith("-")
    body = text.lstrip("+-")
    i = 0
    while i < len(body) and body[i] in "0123456789.":
        i += 1
    number, suffix = body[:i], body[i:]
    if "." in number:
        whole, frac = number.split(".")
    else:
        whole, frac = number, None
    return positive, whole, frac, suffix


def oracle_parse(text):
    """(exact value, format, cached) that ParseQuantity produces for a generated input."""
    positive, whole, frac, suffix = split(text)
    frac_digits = frac or ""
    digits = Fraction(int((whole or "0") + frac_digits), 10 ** len(frac_digits))
    if suffix in BINARY_SUFFIXES:
        fmt, base, exponent = BIN, 2, BINARY_SUFFIXES[suffix]
    elif suffix in DECIMAL_SUFFIXES:
        fmt, base, exponent = DEC, 10, DECIMAL_SUFFIXES[suffix]
    else:
        fmt, base, exponent = EXP, 10, int(suffix[1:])
    magnitude = digits * Fraction(base) ** exponent

    # fast path of ParseQuantity (decides whether the input string is kept)
    num = (whole or "0").lstrip("0") or "0"
    cached = False
    if text == "0":
        cached = True
    elif fmt == BIN:
        if not frac_digits:
            precision = 15 - len(num) - exponent * 3 // 10 - 1
            value = int(num)
            if precision >= 0 and value * 2 ** exponent <= MAX_ALLOWED:
                cached = value & 7 != 0
    else:
        precision = 18 - len(num) - len(frac_digits)
        scale = exponent - len(frac_digits)
        shifted = num + frac_digits
        if precision >= 0 and scale >= -9:
            cached = scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0"

    if magnitude % NANO:
        magnitude = (magnitude // NANO + 1) * NANO
    if fmt == BIN and magnitude > MAX_ALLOWED:
        magnitude = Fraction(MAX_ALLOWED)
    if fmt == BIN and 0 < magnitude < 1:
        fmt = DEC
    return (magnitude if positive else -magnitude), fmt, cached


def format_of_text(text):
    """The format ParseQuantity gives a canonical string."""
    if text.endswith("i"):
        return BIN
    if "e" in text:
        return EXP
    return DEC


# ------------------------------------------------------------------------------------------
# strategies
# ------------------------------------------------------------------------------------------

DIGITS = "0123456789"


@st.composite
def quantity_texts(draw, max_whole=3, max_frac=6):
    sign = draw(st.sampled_from(["", "", "-", "+"]))
    whole = draw(st.text(DIGITS, min_size=0, max_size=max_whole))
    frac = draw(st.one_of(st.none(), st.text(DIGITS, min_size=0, max_size=max_frac)))
    assume(whole or frac)  # at least one digit (digit-less inputs are quirks, tested elsewhere)
    kind = draw(st.sampled_from(["si", "si", "bin", "exp"]))
    if kind == "si":
        suffix = draw(st.sampled_from(sorted(DECIMAL_SUFFIXES)))
    elif kind == "bin":
        suffix = draw(st.sampled_from(sorted(BINARY_SUFFIXES)))
    else:
        e = draw(st.integers(min_value=-15, max_value=18))
        letter = draw(st.sampled_from(["e", "E"]))
        sign_e = "-" if e < 0 else draw(st.sampled_from(["", "+"]))
        suffix = "%s%s%d" % (letter, sign_e, abs(e))
    number = whole + ("." + frac if frac is not None else "")
    return sign + number + suffix


parsed = quantity_texts().map(lambda text: (text, parse_quantity(text)))
quantities = quantity_texts().map(parse_quantity)
formats = st.sampled_from([BIN, DEC, EXP])
int64s = st.integers(min_value=-(1 << 63), max_value=(1 << 63) - 1)
small_ints = st.integers(min_value=-(10 ** 12), max_value=10 ** 12)
scales = st.integers(min_value=-9, max_value=12)


@st.composite
def constructed(draw):
    """Quantities from the constructors (NewQuantity, NewMilliQuantity, NewScaledQuantity)."""
    how = draw(st.sampled_from(["int", "milli", "scaled"]))
    if how == "int":
        value, fmt = draw(small_ints), draw(formats)
        return Quantity.from_int(value, fmt), Fraction(value), fmt
    if how == "milli":
        value, fmt = draw(small_ints), draw(formats)
        return Quantity.from_milli(value, fmt), Fraction(value, 1000), fmt
    value, scale = draw(st.integers(min_value=-999999, max_value=999999)), draw(scales)
    return Quantity.from_scaled(value, scale), Fraction(value) * Fraction(10) ** scale, DEC


# ------------------------------------------------------------------------------------------
# parsing
# ------------------------------------------------------------------------------------------

@SETTINGS
@given(quantity_texts())
def test_parse_matches_oracle(text):
    q = parse_quantity(text)
    value, fmt, cached = oracle_parse(text)
    assert q.as_fraction() == value
    assert q.format == fmt
    assert q.canonical() == oracle_canonical(value, fmt)
    assert str(q) == (text if cached and value != 0 else oracle_canonical(value, fmt))
    assert q.is_zero() == (value == 0)
    assert q.sign() == (value > 0) - (value < 0)


@SETTINGS
@given(parsed)
def test_round_trip_value_and_format_class(item):
    text, q = item
    for printed in (str(q), q.canonical()):
        again = parse_quantity(printed)
        assert again == q
        assert again.cmp(q) == 0
        assert again.as_fraction() == q.as_fraction()
    canonical = q.canonical()
    again = parse_quantity(canonical)
    if not q.is_zero():
        assert again.format == format_of_text(canonical)
        if q.format == DEC:
            assert again.format == DEC
        if q.format == BIN:
            assert again.format in (BIN, DEC)
            assert (again.format == BIN) == canonical.endswith("i")
        if q.format == EXP:
            assert again.format == (EXP if "e" in canonical else DEC)


@SETTINGS
@given(parsed)
def test_string_is_stable(item):
    text, q = item
    s = str(q)
    assert str(parse_quantity(s)) == s
    c = q.canonical()
    assert str(parse_quantity(c)) == c
    assert parse_quantity(c).canonical() == c
    assert parse_quantity(s).canonical() == c


@SETTINGS_SMALL
@given(parsed, st.sampled_from([" ", "\t", "\n", "\r\n", "  \t"]))
def test_surrounding_whitespace_is_ignored(item, space):
    text, q = item
    padded = parse_quantity(space + text + space)
    assert str(padded) == str(q)
    assert padded.format == q.format
    assert padded == q


@SETTINGS_SMALL
@given(st.integers(min_value=-(10 ** 30), max_value=10 ** 30))
def test_int_input_is_its_decimal_text(n):
    q = parse_quantity(n)
    assert q.as_fraction() == n
    assert q.format == DEC
    assert str(q) == str(parse_quantity(str(n)))


@SETTINGS_SMALL
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15))
def test_float_input_is_its_repr(x):
    q = parse_quantity(x)
    ref = parse_quantity(repr(x))
    assert str(q) == str(ref)
    assert q.format == ref.format
    assert q.as_fraction() == ref.as_fraction()
    # never below the float's exact value in magnitude, and at most one nano above it
    exact = Fraction(repr(x))
    assert abs(q.as_fraction()) >= abs(exact)
    assert abs(q.as_fraction()) - abs(exact) < NANO


# ------------------------------------------------------------------------------------------
# arithmetic
# ------------------------------------------------------------------------------------------

@SETTINGS
@given(quantities, quantities)
def test_add_sub(a, b):
    total = a + b
    assert total.as_fraction() == a.as_fraction() + b.as_fraction()
    assert (b + a) == total  # sums commute in value
    assert total.format == (b.format if a.is_zero() else a.format)
    assert str(total) == total.canonical() == oracle_canonical(total.as_fraction(), total.format)
    diff = a - b
    assert diff.as_fraction() == a.as_fraction() - b.as_fraction()
    assert diff.format == (b.format if a.is_zero() else a.format)
    assert str(diff) == oracle_canonical(diff.as_fraction(), diff.format)
    assert (total - b) == a
    assert (a - a).is_zero()
    assert str(a - a) == "0"


@SETTINGS_SMALL
@given(quantities, quantities, quantities)
def test_add_is_associative_in_value(a, b, c):
    assert ((a + b) + c) == (a + (b + c))
    assert ((a + b) + c).as_fraction() == a.as_fraction() + b.as_fraction() + c.as_fraction()


@SETTINGS
@given(quantities)
def test_neg(q):
    neg = -q
    assert neg.as_fraction() == -q.as_fraction()
    assert neg.format == q.format
    assert str(neg) == oracle_canonical(-q.as_fraction(), q.format)
    assert (-neg) == q
    assert str(-neg) == q.canonical()
    if not q.is_zero():
        assert str(neg) == ("-" + q.canonical() if q.sign() > 0 else q.canonical()[1:])
    assert (q + neg).is_zero()


@SETTINGS
@given(quantities, st.one_of(st.integers(min_value=-5000, max_value=5000), int64s))
def test_mul(q, n):
    got = q.mul(n)
    assert got.as_fraction() == q.as_fraction() * n
    assert got.format == q.format
    if abs(got.as_fraction()) < 10 ** 21:
        assert str(got) == oracle_canonical(got.as_fraction(), got.format)


@SETTINGS
@given(quantities, quantities)
def test_cmp(a, b):
    x, y = a.as_fraction(), b.as_fraction()
    expect = (x > y) - (x < y)
    assert a.cmp(b) == expect
    assert b.cmp(a) == -expect
    assert a.cmp(a) == 0
    assert (a == b) == (x == y)
    assert (a < b) == (x < y)
    assert (a <= b) == (x <= y)
    assert (a > b) == (x > y)
    assert (a >= b) == (x >= y)


# ------------------------------------------------------------------------------------------
# Value, MilliValue, ScaledValue, RoundUp
# ------------------------------------------------------------------------------------------

@SETTINGS
@given(quantities, st.integers(min_value=-9, max_value=18))
def test_scaled_values_round_away_from_zero(q, scale):
    x = q.as_fraction()
    assume(abs(x) * 1000 < MAX_ALLOWED)
    value = q.value()
    assert isinstance(value, int) and not isinstance(value, bool)
    assert value == away_from_zero(x)
    if x > 0:
        assert value >= x and value - x < 1
    if x < 0:
        assert value <= x and x - value < 1
    assert q.milli_value() == away_from_zero(x * 1000)
    assert q.scaled_value(-3) == q.milli_value()
    assert q.scaled_value(0) == value
    assert q.scaled_value(scale) == away_from_zero(x / Fraction(10) ** scale)


@SETTINGS
@given(parsed, st.integers(min_value=-9, max_value=15))
def test_round_up(item, scale):
    text, q = item
    got, exact = q.round_up(scale)
    unit = Fraction(10) ** scale
    x = q.as_fraction()
    want = away_from_zero(x / unit) * unit
    assert got.as_fraction() == want
    assert exact is (want == x)
    assert got.format == q.format
    assert abs(got.as_fraction()) >= abs(x)
    # Go RoundUp keeps q.s only when nothing changes
    assert str(got) in (str(q), got.canonical())
    if str(got) != got.canonical():
        assert exact
    assert q.as_fraction() == x  # source not mutated


# ------------------------------------------------------------------------------------------
# constructors
# ------------------------------------------------------------------------------------------

@SETTINGS
@given(constructed())
def test_constructors(item):
    q, value, fmt = item
    assert q.as_fraction() == value
    assert q.format == fmt
    assert str(q) == q.canonical() == oracle_canonical(value, fmt)
    again = parse_quantity(str(q))
    assert again == q
    assert str(again) == str(q)


@SETTINGS_SMALL
@given(constructed(), constructed())
def test_constructed_add_commutes(a, b):
    qa, qb = a[0], b[0]
    assert (qa + qb) == (qb + qa)
    assert (qa + qb).as_fraction() == a[1] + b[1]
