# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Table-driven tests for plugins/module_utils/values/quantity.py.

The expected values are facts of k8s.io/apimachinery pkg/api/resource (quantity.go, amount.go,
math.go, suffix.go, scale_int.go) and of its tests (quantity_test.go, amount_test.go). Each table
names the upstream test function it transcribes. Rows that upstream states in terms of internal
fields (``decQuantity``, ``intQuantity``, ``q.s``) are restated in terms of the public API:
exact value (``as_fraction``), format, ``str()`` (Go ``String()``) and ``canonical()``.

Where an expectation comes from reading the Go source rather than from an upstream test row, the
comment next to it names the Go function and the branch that produces it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random
from fractions import Fraction

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import (
    BINARY_SI,
    DECIMAL_EXPONENT,
    DECIMAL_SI,
    Quantity,
    parse_quantity,
)

BIN = BINARY_SI
DEC = DECIMAL_SI
EXP = DECIMAL_EXPONENT

MOST_POSITIVE = (1 << 63) - 1  # math.go mostPositive
MOST_NEGATIVE = -(1 << 63)  # math.go mostNegative

NANO, MICRO, MILLI, KILO = -9, -6, -3, 3  # amount.go Scale constants


# (pylint 3.0, which ansible-core 2.16's sanity runs, cannot see that parse_quantity never
# returns None: the lines that negate a parsed quantity say so)
def P(text):
    return parse_quantity(text)


def F(value):
    """Exact value from an int or a decimal string ('9.01', '1e-9', '-3/7')."""
    return Fraction(value)


def dq(mantissa, exponent, fmt):
    """A Quantity worth mantissa * 10**exponent in format fmt, never holding a cached string.

    Mirrors upstream's ``decQuantity``/``intQuantity`` helpers with public constructors only.
    """
    if fmt == DEC:
        return Quantity.from_scaled(mantissa, exponent)
    if exponent >= 0:
        return Quantity.from_int(mantissa * 10 ** exponent, fmt)
    if exponent == -3:
        return Quantity.from_milli(mantissa, fmt)
    # No public constructor: Go Add keeps the receiver's format when the receiver is non-zero,
    # and Sub takes the argument's format when the receiver is zero, so the result has ``fmt``.
    one = Quantity.from_int(1, fmt)
    return (one + Quantity.from_scaled(mantissa, exponent)) - one


def _case_id(value):
    if isinstance(value, str):
        return repr(value)
    return None


# ---------------------------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------------------------


def test_format_constants_are_go_format_strings():
    # quantity.go: DecimalExponent = Format("DecimalExponent"), BinarySI = Format("BinarySI"), ...
    assert BINARY_SI == "BinarySI"
    assert DECIMAL_SI == "DecimalSI"
    assert DECIMAL_EXPONENT == "DecimalExponent"


# ---------------------------------------------------------------------------------------------
# TestQuantityParse: the upstream table, with String(), canonical form, format and exact value.
# Upstream also parses "-" + input and "+" + input for every row; so do we (see below).
#
# Columns: input, Go String(), canonical(), format, exact value, cached
# "cached" is True when ParseQuantity keeps the input as q.s (quantity.go: the
# "if the number is in canonical form, reuse the string" branch), so String() echoes the input.
# ---------------------------------------------------------------------------------------------

QUANTITY_PARSE = [
    # zeros (TestQuantityParse: decQuantity(0, 0, ...))
    ("0", "0", "0", DEC, "0", True),
    ("0n", "0", "0", DEC, "0", False),
    ("0u", "0", "0", DEC, "0", False),
    ("0m", "0", "0", DEC, "0", False),
    ("0Ki", "0", "0", BIN, "0", False),
    ("0k", "0", "0", DEC, "0", False),
    ("0Mi", "0", "0", BIN, "0", False),
    ("0M", "0", "0", DEC, "0", False),
    ("0Gi", "0", "0", BIN, "0", False),
    ("0G", "0", "0", DEC, "0", False),
    ("0Ti", "0", "0", BIN, "0", False),
    ("0T", "0", "0", DEC, "0", False),
    # Quantity less numbers are allowed
    ("1", "1", "1", DEC, "1", True),
    # Binary suffixes
    ("1Ki", "1Ki", "1Ki", BIN, "1024", True),
    ("8Ki", "8Ki", "8Ki", BIN, "8192", False),  # value&0x07 == 0: not cached
    ("7Mi", "7Mi", "7Mi", BIN, "7340032", True),
    ("6Gi", "6Gi", "6Gi", BIN, "6442450944", True),
    ("5Ti", "5Ti", "5Ti", BIN, "5497558138880", True),
    ("4Pi", "4Pi", "4Pi", BIN, "4503599627370496", False),  # precision < 0: slow path
    ("3Ei", "3Ei", "3Ei", BIN, "3458764513820540928", False),
    ("10Ti", "10Ti", "10Ti", BIN, "10995116277760", True),
    ("100Ti", "100Ti", "100Ti", BIN, "109951162777600", False),
    # Decimal suffixes
    ("5n", "5n", "5n", DEC, "0.000000005", True),
    ("4u", "4u", "4u", DEC, "0.000004", True),
    ("3m", "3m", "3m", DEC, "0.003", True),
    ("9", "9", "9", DEC, "9", True),
    ("8k", "8k", "8k", DEC, "8000", True),
    ("50k", "50k", "50k", DEC, "50000", True),
    ("7M", "7M", "7M", DEC, "7000000", True),
    ("6G", "6G", "6G", DEC, "6000000000", True),
    ("5T", "5T", "5T", DEC, "5000000000000", True),
    ("40T", "40T", "40T", DEC, "40000000000000", True),
    ("300T", "300T", "300T", DEC, "300000000000000", True),
    ("2P", "2P", "2P", DEC, "2000000000000000", True),
    ("1E", "1E", "1E", DEC, "1000000000000000000", True),
    # Decimal exponents
    ("1E-3", "1E-3", "1e-3", EXP, "0.001", True),
    ("1e3", "1e3", "1e3", EXP, "1000", True),
    ("1E6", "1E6", "1e6", EXP, "1000000", True),
    ("1e9", "1e9", "1e9", EXP, "1000000000", True),
    ("1E12", "1E12", "1e12", EXP, "1000000000000", True),
    ("1e15", "1e15", "1e15", EXP, "1000000000000000", True),
    ("1E18", "1E18", "1e18", EXP, "1000000000000000000", True),
    # Nonstandard but still parsable
    ("1e14", "100e12", "100e12", EXP, "100000000000000", False),
    ("1e13", "10e12", "10e12", EXP, "10000000000000", False),
    ("100.035k", "100.035k", "100035", DEC, "100035", True),
    # Things that look like floating point
    ("0.001", "1m", "1m", DEC, "0.001", False),
    ("0.0005k", "500m", "500m", DEC, "0.5", False),
    ("0.005", "5m", "5m", DEC, "0.005", False),
    ("0.05", "50m", "50m", DEC, "0.05", False),
    ("0.5", "500m", "500m", DEC, "0.5", False),
    ("0.00050k", "500m", "500m", DEC, "0.5", False),
    ("0.00500", "5m", "5m", DEC, "0.005", False),
    ("0.05000", "50m", "50m", DEC, "0.05", False),
    ("0.50000", "500m", "500m", DEC, "0.5", False),
    ("0.5e0", "500e-3", "500e-3", EXP, "0.5", False),
    ("0.5e-1", "50e-3", "50e-3", EXP, "0.05", False),
    ("0.5e-2", "5e-3", "5e-3", EXP, "0.005", False),
    ("10.035M", "10.035M", "10035k", DEC, "10035000", True),
    ("1.2e3", "1200", "1200", EXP, "1200", False),
    ("1.3E+6", "1300e3", "1300e3", EXP, "1300000", False),
    ("1.40e9", "1400e6", "1400e6", EXP, "1400000000", False),
    ("1.53E12", "1530e9", "1530e9", EXP, "1530000000000", False),
    ("1.6e15", "1600e12", "1600e12", EXP, "1600000000000000", False),
    ("1.7E18", "1700e15", "1700e15", EXP, "1700000000000000000", False),
    ("9.01", "9010m", "9010m", DEC, "9.01", False),
    ("8.1k", "8100", "8100", DEC, "8100", False),
    ("7.123456M", "7.123456M", "7123456", DEC, "7123456", True),
    ("6.987654321G", "6.987654321G", "6987654321", DEC, "6987654321", True),
    ("5.444T", "5.444T", "5444G", DEC, "5444000000000", True),
    ("40.1T", "40100G", "40100G", DEC, "40100000000000", False),
    ("300.2T", "300200G", "300200G", DEC, "300200000000000", False),
    ("2.5P", "2500T", "2500T", DEC, "2500000000000000", False),
    ("1.01E", "1010P", "1010P", DEC, "1010000000000000000", False),
    # Things that saturate/round
    ("3.001n", "4n", "4n", DEC, "0.000000004", False),
    ("1.1E-9", "2e-9", "2e-9", EXP, "0.000000002", False),
    ("0.0000000001", "1n", "1n", DEC, "0.000000001", False),
    ("0.0000000005", "1n", "1n", DEC, "0.000000001", False),
    ("0.00000000050", "1n", "1n", DEC, "0.000000001", False),
    ("0.5e-9", "1e-9", "1e-9", EXP, "0.000000001", False),
    ("0.9n", "1n", "1n", DEC, "0.000000001", False),
    ("0.00000012345", "124n", "124n", DEC, "0.000000124", False),
    ("0.00000012354", "124n", "124n", DEC, "0.000000124", False),
    # BinarySI is capped at maxAllowed (math.go: max int64) in ParseQuantity
    ("9Ei", "9223372036854775807", "9223372036854775807", BIN, "9223372036854775807", False),
    ("9223372036854775807Ki", "9223372036854775807", "9223372036854775807", BIN,
     "9223372036854775807", False),
    ("12E", "12E", "12E", DEC, "12000000000000000000", True),  # DecimalSI is not capped
    # We'll accept fractional binary stuff, too.
    ("100.035Ki", "102435840m", "102435840m", BIN, "102435.84", False),
    ("0.5Mi", "512Ki", "512Ki", BIN, "524288", False),
    ("0.05Gi", "53687091200m", "53687091200m", BIN, "53687091.2", False),
    ("0.025Ti", "27487790694400m", "27487790694400m", BIN, "27487790694.4", False),
    # Things written by trolls
    ("0.000000000001Ki", "2n", "2n", DEC, "0.000000002", False),  # rounds up, changes format
    (".001", "1m", "1m", DEC, "0.001", False),
    (".0001k", "100m", "100m", DEC, "0.1", False),
    ("1.", "1.", "1", DEC, "1", True),
    ("1.G", "1.G", "1G", DEC, "1000000000", True),
]


def _signed_variants(rows):
    """Upstream TestQuantityParse parses every row again as "-" + input and "+" + input.

    The sign never changes the format, the precision or the caching decision (ParseQuantity
    computes them from the unsigned digits), so:
      "-" + input: value negated; String() is "-" + cached input, or the negated canonical form.
      "+" + input: same value; String() is "+" + cached input, or the canonical form.
    A zero value always prints "0" (only the exact input "0" is special-cased, and "-0"/"+0"
    print "0" as well).
    """
    out = []
    for text, string, canonical, fmt, value, cached in rows:
        out.append((text, string, canonical, fmt, value))
        neg_value = -F(value)
        if F(value) == 0:
            out.append(("-" + text, "0", "0", fmt, "0"))
            out.append(("+" + text, "0", "0", fmt, "0"))
            continue
        neg_canonical = "-" + canonical
        out.append(("-" + text, "-" + string if cached else neg_canonical, neg_canonical, fmt,
                    str(neg_value)))
        out.append(("+" + text, "+" + string if cached else canonical, canonical, fmt, value))
    return out


@pytest.mark.parametrize("text,string,canonical,fmt,value", _signed_variants(QUANTITY_PARSE),
                         ids=_case_id)
def test_quantity_parse(text, string, canonical, fmt, value):
    # TestQuantityParse (plus the "-" and "+" loops of the same test)
    q = P(text)
    assert q.as_fraction() == F(value)
    assert q.format == fmt
    assert str(q) == string
    assert q.canonical() == canonical
    assert q.is_zero() == (F(value) == 0)
    assert q.sign() == (F(value) > 0) - (F(value) < 0)


@pytest.mark.parametrize("text,string,canonical,fmt,value", _signed_variants(QUANTITY_PARSE),
                         ids=_case_id)
def test_quantity_parse_decomposed_and_canonical_round_trip(text, string, canonical, fmt, value):
    # TestQuantityParse "verify that we can decompose the input and get the same result":
    # parsing the printed forms yields the same value.
    q = P(text)
    assert P(str(q)).cmp(q) == 0
    assert P(canonical).cmp(q) == 0
    assert str(P(canonical)) == canonical
    assert P(canonical).canonical() == canonical


# ---------------------------------------------------------------------------------------------
# The cached-string rule of ParseQuantity (quantity.go, fast path only):
#   BinarySI:  exponent%10 == 0 && value&0x07 != 0          -> q.s = str
#   otherwise: scale%3 == 0 && !HasSuffix(shifted, "000") && shifted[0] != '0'  -> q.s = str
# where the fast path needs precision >= 0 (18 - len(num) - len(denom) for decimal,
# 15 - len(num) - exponent*3/10 - 1 for binary without a fraction) and scale >= Nano.
# num has its leading zeros stripped; the sign is not part of num or shifted.
# Columns: input, String(), canonical(), format, value
# ---------------------------------------------------------------------------------------------

CACHED_STRING = [
    ("+1", "+1", "1", DEC, "1"),
    ("01", "01", "1", DEC, "1"),
    ("007k", "007k", "7k", DEC, "7000"),
    ("-01.5", "-1500m", "-1500m", DEC, "-1.5"),  # scale -1: not a multiple of 3
    ("1.500", "1.500", "1500m", DEC, "1.5"),  # scale -3, shifted "1500"
    ("-1.500", "-1.500", "-1500m", DEC, "-1.5"),
    ("0001.500", "0001.500", "1500m", DEC, "1.5"),
    ("1.100u", "1.100u", "1100n", DEC, "0.0000011"),  # scale -9 == Nano: still fast path
    ("1.100n", "2n", "2n", DEC, "0.000000002"),  # scale -12 < Nano: slow path, rounds up
    ("12.340", "12.340", "12340m", DEC, "12.34"),
    ("1.234k", "1.234k", "1234", DEC, "1234"),
    ("1.5k", "1500", "1500", DEC, "1500"),  # scale 2
    ("1000", "1k", "1k", DEC, "1000"),  # shifted ends in "000"
    ("1100", "1100", "1100", DEC, "1100"),
    ("1000k", "1M", "1M", DEC, "1000000"),
    ("1010k", "1010k", "1010k", DEC, "1010000"),
    ("0.100", "100m", "100m", DEC, "0.1"),  # shifted "0100" starts with '0'
    ("1E3", "1E3", "1e3", EXP, "1000"),
    ("1e+3", "1e+3", "1e3", EXP, "1000"),
    ("1e03", "1e03", "1e3", EXP, "1000"),
    ("1e0", "1e0", "1", EXP, "1"),  # DecimalExponent with exponent 0 has no suffix
    ("1e-12", "1e-9", "1e-9", EXP, "0.000000001"),  # slow path, rounded up to 1n
    ("1000e-12", "1e-9", "1e-9", EXP, "0.000000001"),
    ("+1Ki", "+1Ki", "1Ki", BIN, "1024"),
    ("01Ki", "01Ki", "1Ki", BIN, "1024"),
    ("1.Ki", "1.Ki", "1Ki", BIN, "1024"),  # empty denominator: binary fast path
    ("1024Mi", "1Gi", "1Gi", BIN, "1073741824"),
    ("1023Ki", "1023Ki", "1023Ki", BIN, "1047552"),
    ("+8Ki", "8Ki", "8Ki", BIN, "8192"),
    ("+9Ki", "+9Ki", "9Ki", BIN, "9216"),
    ("+1025Gi", "+1025Gi", "1025Gi", BIN, "1100585369600"),  # precision 15-4-9-1 = 1
    ("+1025Ti", "1025Ti", "1025Ti", BIN, "1126999418470400"),  # precision 15-4-12-1 < 0
    ("+1Pi", "1Pi", "1Pi", BIN, "1125899906842624"),  # precision 15-1-15-1 < 0
    ("+99999999999Ki", "+99999999999Ki", "99999999999Ki", BIN, "102399999998976"),
    ("+999999999999Ki", "999999999999Ki", "999999999999Ki", BIN, "1023999999998976"),
    ("+999999999999999999", "+999999999999999999", "999999999999999999", DEC,
     "999999999999999999"),  # 18 digits: precision 0, fast path
    ("+1000000000000000001", "1000000000000000001", "1000000000000000001", DEC,
     "1000000000000000001"),  # 19 digits: slow path, never cached
    ("+0.000000001", "1n", "1n", DEC, "0.000000001"),
    ("+1n", "+1n", "1n", DEC, "0.000000001"),
    ("+1.5n", "2n", "2n", DEC, "0.000000002"),
    ("1e999", "1e999", "1e999", EXP, "1e999"),
    ("1e1000", "10e999", "10e999", EXP, "1e1000"),
    ("00", "0", "0", DEC, "0"),
    ("000", "0", "0", DEC, "0"),
    ("000Ki", "0", "0", BIN, "0"),
    ("0.0Ki", "0", "0", BIN, "0"),
    ("0e5", "0", "0", EXP, "0"),
    ("0.Pi", "0", "0", BIN, "0"),
    # TestParseQuantityString inputs
    ("0.025Ti", "27487790694400m", "27487790694400m", BIN, "27487790694.4"),
    ("1.025Ti", "1126999418470400m", "1126999418470400m", BIN, "1126999418470.4"),
    ("-1.025Ti", "-1126999418470400m", "-1126999418470400m", BIN, "-1126999418470.4"),
    ("1E-3", "1E-3", "1e-3", EXP, "0.001"),
]


@pytest.mark.parametrize("text,string,canonical,fmt,value", CACHED_STRING, ids=_case_id)
def test_parse_cached_string_rule(text, string, canonical, fmt, value):
    q = P(text)
    assert str(q) == string
    assert q.canonical() == canonical
    assert q.format == fmt
    assert q.as_fraction() == F(value)


# ---------------------------------------------------------------------------------------------
# TestParseQuantity (min/max int64 neighbourhood): input -> String(), exact value.
# (the AsInt64 column is not part of the Python API)
# ---------------------------------------------------------------------------------------------

PARSE_BIG = [
    # min/max 18 digits
    ("-999999999999999999", "-999999999999999999", "-999999999999999999"),
    ("999999999999999999", "999999999999999999", "999999999999999999"),
    ("-999999999999999999.0", "-999999999999999999", "-999999999999999999"),
    ("999999999999999999.0", "999999999999999999", "999999999999999999"),
    ("-999999999999999999.1", "-999999999999999999100m", "-999999999999999999.1"),
    ("999999999999999999.1", "999999999999999999100m", "999999999999999999.1"),
    # min/max 19 digits
    ("-9999999999999999999", "-9999999999999999999", "-9999999999999999999"),
    ("9999999999999999999", "9999999999999999999", "9999999999999999999"),
    ("-1E", "-1E", "-1000000000000000000"),
    ("1E", "1E", "1000000000000000000"),
    ("-1000000000000000000", "-1E", "-1000000000000000000"),
    ("1000000000000000000", "1E", "1000000000000000000"),
    ("-9999999999999999999.0", "-9999999999999999999", "-9999999999999999999"),
    ("9999999999999999999.0", "9999999999999999999", "9999999999999999999"),
    ("-1.0E", "-1E", "-1000000000000000000"),
    ("1.0E", "1E", "1000000000000000000"),
    ("-1000000000000000000.0", "-1E", "-1000000000000000000"),
    ("1000000000000000000.0", "1E", "1000000000000000000"),
    ("-9999999999999999999000m", "-9999999999999999999", "-9999999999999999999"),
    ("9999999999999999999000m", "9999999999999999999", "9999999999999999999"),
    ("-9999999999999999999.1", "-9999999999999999999100m", "-9999999999999999999.1"),
    ("9999999999999999999.1", "9999999999999999999100m", "9999999999999999999.1"),
    ("-1.0000000000000000001E", "-1000000000000000000100m", "-1000000000000000000.1"),
    ("1.0000000000000000001E", "1000000000000000000100m", "1000000000000000000.1"),
    ("-1000000000000000000.1", "-1000000000000000000100m", "-1000000000000000000.1"),
    ("1000000000000000000.1", "1000000000000000000100m", "1000000000000000000.1"),
    ("-1.000000000000000001E", "-1000000000000000001", "-1000000000000000001"),
    ("1.000000000000000001E", "1000000000000000001", "1000000000000000001"),
    ("-1000000000000000001", "-1000000000000000001", "-1000000000000000001"),
    ("1000000000000000001", "1000000000000000001", "1000000000000000001"),
    # min/max 20 digits
    ("-10E", "-10E", "-10000000000000000000"),
    ("10E", "10E", "10000000000000000000"),
    ("-10000000000000000000", "-10E", "-10000000000000000000"),
    ("10000000000000000000", "10E", "10000000000000000000"),
    ("-10.0E", "-10E", "-10000000000000000000"),
    ("10.0E", "10E", "10000000000000000000"),
    ("-10000000000000000000.0", "-10E", "-10000000000000000000"),
    ("10000000000000000000.0", "10E", "10000000000000000000"),
    ("-10000000000000000000000m", "-10E", "-10000000000000000000"),
    ("10000000000000000000000m", "10E", "10000000000000000000"),
    ("-10.0000000000000000001E", "-10000000000000000000100m", "-10000000000000000000.1"),
    ("10.0000000000000000001E", "10000000000000000000100m", "10000000000000000000.1"),
    ("-10000000000000000000.1", "-10000000000000000000100m", "-10000000000000000000.1"),
    ("10000000000000000000.1", "10000000000000000000100m", "10000000000000000000.1"),
    ("-10.000000000000000001E", "-10000000000000000001", "-10000000000000000001"),
    ("10.000000000000000001E", "10000000000000000001", "10000000000000000001"),
    ("-10000000000000000001", "-10000000000000000001", "-10000000000000000001"),
    ("10000000000000000001", "10000000000000000001", "10000000000000000001"),
    # min/max int64 - 1
    ("-9223372036854775809", "-9223372036854775809", "-9223372036854775809"),
    ("9223372036854775806", "9223372036854775806", "9223372036854775806"),
    ("-9223372036854775809.0", "-9223372036854775809", "-9223372036854775809"),
    ("9223372036854775806.0", "9223372036854775806", "9223372036854775806"),
    ("-9223372036854775809000m", "-9223372036854775809", "-9223372036854775809"),
    ("9223372036854775806000m", "9223372036854775806", "9223372036854775806"),
    ("-9223372036854775809.1", "-9223372036854775809100m", "-9223372036854775809.1"),
    ("9223372036854775806.1", "9223372036854775806100m", "9223372036854775806.1"),
    # min/max int64
    ("-9223372036854775808", "-9223372036854775808", "-9223372036854775808"),
    ("9223372036854775807", "9223372036854775807", "9223372036854775807"),
    ("-9223372036854775808.0", "-9223372036854775808", "-9223372036854775808"),
    ("9223372036854775807.0", "9223372036854775807", "9223372036854775807"),
    ("-9223372036854775808000m", "-9223372036854775808", "-9223372036854775808"),
    ("9223372036854775807000m", "9223372036854775807", "9223372036854775807"),
    ("-9223372036854775808.1", "-9223372036854775808100m", "-9223372036854775808.1"),
    ("9223372036854775807.1", "9223372036854775807100m", "9223372036854775807.1"),
    # min/max int64 + 1
    ("-9223372036854775807", "-9223372036854775807", "-9223372036854775807"),
    ("9223372036854775808", "9223372036854775808", "9223372036854775808"),
    ("-9223372036854775807.0", "-9223372036854775807", "-9223372036854775807"),
    ("9223372036854775808.0", "9223372036854775808", "9223372036854775808"),
    ("-9223372036854775807000m", "-9223372036854775807", "-9223372036854775807"),
    ("9223372036854775808000m", "9223372036854775808", "9223372036854775808"),
    ("-9223372036854775807.1", "-9223372036854775807100m", "-9223372036854775807.1"),
    ("9223372036854775808.1", "9223372036854775808100m", "9223372036854775808.1"),
]


@pytest.mark.parametrize("text,string,value", PARSE_BIG, ids=_case_id)
def test_parse_quantity_int64_boundaries(text, string, value):
    # TestParseQuantity
    q = P(text)
    assert q.as_fraction() == F(value)
    assert str(q) == string
    assert q.format == DEC


@pytest.mark.parametrize("text,string,value", [
    # BinarySI values above max int64 are capped by ParseQuantity (quantity.go maxAllowed);
    # values at or below the cap are kept.
    ("8Ei", "9223372036854775807", MOST_POSITIVE),  # 2**63
    ("-8Ei", "-9223372036854775807", -MOST_POSITIVE),  # the cap applies to the magnitude
    ("-9Ei", "-9223372036854775807", -MOST_POSITIVE),
    ("7Ei", "7Ei", 7 << 60),
    ("7.5Ei", "7680Pi", (15 << 60) // 2),
    ("8191Pi", "8191Pi", 8191 << 50),
    ("8192Pi", "9223372036854775807", MOST_POSITIVE),
    ("9007199254740991.5Ki", "9223372036854775296", 2 ** 63 - 512),  # below the cap: kept
    ("9007199254740992Ki", "9223372036854775807", MOST_POSITIVE),  # exactly 2**63
    ("9007199254740991Ki", "9007199254740991Ki", (2 ** 53 - 1) * 1024),
    ("100000000000000000000Ki", "9223372036854775807", MOST_POSITIVE),
    ("12E", "12E", 12 * 10 ** 18),  # DecimalSI: no cap
    ("1e19", "10e18", 10 ** 19),  # DecimalExponent: no cap
])
def test_parse_binary_si_cap(text, string, value):
    q = P(text)
    assert q.as_fraction() == value
    assert str(q) == string


# ---------------------------------------------------------------------------------------------
# TestQuantityParseEmit (and its "-" loop)
# ---------------------------------------------------------------------------------------------

PARSE_EMIT = [
    ("1Ki", "1Ki", BIN),
    ("1Mi", "1Mi", BIN),
    ("1Gi", "1Gi", BIN),
    ("1024Mi", "1Gi", BIN),
    ("1000M", "1G", DEC),
    (".001Ki", "1024m", BIN),
    (".000001Ki", "1024u", DEC),  # 0 < value < 1: ParseQuantity switches BinarySI to DecimalSI
    (".000000001Ki", "1024n", DEC),
    (".000000000001Ki", "2n", DEC),
]


@pytest.mark.parametrize("text,expect,fmt", PARSE_EMIT, ids=_case_id)
def test_quantity_parse_emit(text, expect, fmt):
    q = P(text)
    assert str(q) == expect
    assert q.format == fmt
    neg = P("-" + text)
    assert str(neg) == "-" + expect
    assert neg.format == fmt


# ---------------------------------------------------------------------------------------------
# TestQuantityString: (mantissa, exponent, format) -> String(); the expected string parses and is
# kept as the cached string; the alternate spelling parses to the same canonical String();
# the negated quantity prints "-" + expected.
# ---------------------------------------------------------------------------------------------

QUANTITY_STRING = [
    (1024 * 1024 * 1024, 0, BIN, "1Gi", "1024Mi"),
    (300 * 1024 * 1024, 0, BIN, "300Mi", "307200Ki"),
    (6 * 1024, 0, BIN, "6Ki", ""),
    (1001 * 1024 * 1024 * 1024, 0, BIN, "1001Gi", "1025024Mi"),
    (1024 * 1024 * 1024 * 1024, 0, BIN, "1Ti", "1024Gi"),
    (5, 0, BIN, "5", "5000m"),
    (500, -3, BIN, "500m", "0.5"),
    (1, 9, DEC, "1G", "1000M"),
    (1000, 6, DEC, "1G", "0.001T"),
    (1000000, 3, DEC, "1G", ""),
    (1000000000, 0, DEC, "1G", ""),
    (1, -3, DEC, "1m", "1000u"),
    (80, -3, DEC, "80m", ""),
    (1080, -3, DEC, "1080m", "1.08"),
    (108, -2, DEC, "1080m", "1080000000n"),
    (10800, -4, DEC, "1080m", ""),
    (300, 6, DEC, "300M", ""),
    (1, 12, DEC, "1T", ""),
    (1234567, 6, DEC, "1234567M", ""),
    (1234567, -3, BIN, "1234567m", ""),
    (3, 3, DEC, "3k", ""),
    (1025, 0, BIN, "1025", ""),
    (0, 0, DEC, "0", ""),
    (0, 0, BIN, "0", ""),
    (1, 9, EXP, "1e9", ".001e12"),
    (1, -3, EXP, "1e-3", "0.001e0"),
    (1, -9, EXP, "1e-9", "1000e-12"),
    (80, -3, EXP, "80e-3", ""),
    (300, 6, EXP, "300e6", ""),
    (1, 12, EXP, "1e12", ""),
    (1, 3, EXP, "1e3", ""),
    (3, 3, EXP, "3e3", ""),
    (3, 3, DEC, "3k", ""),
    (0, 0, EXP, "0", "00"),
    (1, -9, DEC, "1n", ""),
    (80, -9, DEC, "80n", ""),
    (1080, -9, DEC, "1080n", ""),
    (108, -8, DEC, "1080n", ""),
    (10800, -10, DEC, "1080n", ""),
    (1, -6, DEC, "1u", ""),
    (80, -6, DEC, "80u", ""),
    (1080, -6, DEC, "1080u", ""),
]


@pytest.mark.parametrize("mantissa,exponent,fmt,expect,alternate", QUANTITY_STRING)
def test_quantity_string(mantissa, exponent, fmt, expect, alternate):
    q = dq(mantissa, exponent, fmt)
    assert q.format == fmt
    assert q.as_fraction() == F(mantissa) * F(10) ** exponent
    assert str(q) == expect
    assert q.canonical() == expect
    parsed = P(expect)
    assert str(parsed) == expect
    assert parsed.cmp(q) == 0
    if alternate:
        alt = P(alternate)
        assert str(alt) == expect
        assert alt.cmp(q) == 0
    if mantissa != 0:
        neg = -q
        assert str(neg) == "-" + expect
        assert neg.format == fmt
    else:
        assert str(-q) == "0"  # Don't expect it to print "-0" ever


# ---------------------------------------------------------------------------------------------
# Error cases (TestQuantityParse invalid list, TestQuantityParseNonNumericPanic,
# TestQuantityValueSet, and the error returns of parseQuantityString / ParseQuantity)
# ---------------------------------------------------------------------------------------------

INVALID_STRINGS = [
    # TestQuantityParse
    "",
    "1.1.M",
    "1+1.0M",
    "0.1mi",
    "0.1am",
    "aoeu",
    ".5i",
    "1i",
    "-3.01i",
    "-3.01e-",
    # TestQuantityParseNonNumericPanic, TestQuantityValueSet
    "Non-Numeric",
    "invalid",
    # unknown suffixes (ErrSuffix)
    "12Qi",
    "1K",
    "1KI",
    "1ki",
    "1mi",
    "1KiB",
    "1Gb",
    "1e",
    "1E+",
    "1e+",
    "1e-",
    "1Ee3",
    "1ee3",
    "1Ki3",
    "1k3",
    "1m-3",
    "1Kie3",
    "e",
    "1-",
    "1+",
    "--1",
    "+-1",
    "-+1",
    # ErrFormatWrong: characters after the suffix that are not an exponent
    "1e3.5",
    "1e1e1",
    "1e3Ki",
    "1.2.3",
    "1,5",
    "1_000",
    "0x10",
    "1/2",
    "1 Ki",
    "1\tKi",
    "1\n2",
    "inf",
    "-inf",
    "nan",
    "NaN",
    "Infinity",
    "\uff11",  # FULLWIDTH DIGIT ONE: Go only accepts ASCII digits
    "\u0661",  # ARABIC-INDIC DIGIT ONE
    "1\u00b5",  # micro sign is not a suffix
    # ErrNumeric: the slow path hands "value" (digits, sign and '.') to inf.Dec.SetString, which
    # needs at least one digit; the fast path (precision >= 0 and scale >= Nano) does not.
    ".Pi",
    ".Ei",
    "Pi",
    "Ei",
    "-Pi",
    "-.Ei",
    ".e-10",
    "e-10",
]


@pytest.mark.parametrize("text", INVALID_STRINGS, ids=_case_id)
def test_parse_invalid_string(text):
    with pytest.raises(VmpodInputError) as info:
        parse_quantity(text, path="spec.x")
    assert isinstance(info.value, ValueError)
    assert str(info.value) == "spec.x: %r is not a quantity" % (text,)


def test_parse_error_message_from_brief():
    with pytest.raises(VmpodInputError) as info:
        parse_quantity("12Qi", path="spec.x")
    assert str(info.value) == "spec.x: '12Qi' is not a quantity"


@pytest.mark.parametrize("text", ["12Qi", "", "1 Ki"], ids=_case_id)
def test_parse_invalid_without_path(text):
    with pytest.raises(VmpodInputError):
        parse_quantity(text)


@pytest.mark.parametrize("value", [
    True, False, None, [], ["1"], {}, {"a": 1}, (), object(), b"1", float("inf"), float("-inf"),
    float("nan"),
], ids=repr)
def test_parse_invalid_types(value):
    # bool is rejected although it is an int; inf/nan floats have reprs that do not parse.
    with pytest.raises(VmpodInputError) as info:
        parse_quantity(value, path="spec.x")
    assert str(info.value).startswith("spec.x: ")
    assert str(info.value).endswith(" is not a quantity")


@pytest.mark.parametrize("text", ["", " ", "\t\n", "   \r\n  "], ids=_case_id)
def test_parse_blank_is_invalid(text):
    # ParseQuantity: len(str) == 0 -> ErrFormatWrong (after TrimSpace for blank input)
    with pytest.raises(VmpodInputError):
        parse_quantity(text, path="a.b")


# ---------------------------------------------------------------------------------------------
# Surrounding whitespace (Quantity.UnmarshalJSON: ParseQuantity(strings.TrimSpace(...)));
# TestJSONWhitespace.  Upstream's TestQuantityParse rejects " 1" and "1 " at the
# ParseQuantity level; parse_quantity follows UnmarshalJSON, so they are accepted here.
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,expect", [
    (" 1", "1"),
    ("1 ", "1"),
    ("10", "10"),
    ("-1", "-1"),
    (" -1", "-1"),
    ("\t1Gi\n", "1Gi"),
    ("\r\n 500m \r\n", "500m"),
    (" +1 ", "+1"),  # the trimmed text is what ParseQuantity may cache
    (" 1.500 ", "1.500"),
    (" 1024Mi", "1Gi"),
    ("\v\f2k", "2k"),
    ("\u00a01\u00a0", "1"),  # unicode.IsSpace(U+00A0)
    ("\u20031Ki\u3000", "1Ki"),  # EM SPACE / IDEOGRAPHIC SPACE are Zs
    ("\u00851\u2028", "1"),  # NEL, LINE SEPARATOR
], ids=_case_id)
def test_parse_trims_surrounding_whitespace(text, expect):
    assert str(P(text)) == expect


@pytest.mark.parametrize("text", ["1\x1c", "\x1d1", "1\x1e", "\x1f1", "1\u200b"], ids=_case_id)
def test_parse_does_not_trim_non_go_whitespace(text):
    # strings.TrimSpace trims unicode.IsSpace only; U+001C..U+001F (Python str.isspace) and
    # U+200B are not Go white space, so they stay and the suffix scanner rejects them.
    with pytest.raises(VmpodInputError):
        parse_quantity(text)


# ---------------------------------------------------------------------------------------------
# int and float inputs: the int's decimal digits, the float's repr(), are parsed.
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value,string,canonical,fmt,exact", [
    (0, "0", "0", DEC, "0"),
    (1, "1", "1", DEC, "1"),
    (-5, "-5", "-5", DEC, "-5"),
    (1000, "1k", "1k", DEC, "1000"),
    (1024, "1024", "1024", DEC, "1024"),
    (1100, "1100", "1100", DEC, "1100"),
    (10 ** 18, "1E", "1E", DEC, "1000000000000000000"),
    (2 ** 63, "9223372036854775808", "9223372036854775808", DEC, "9223372036854775808"),
    (-(2 ** 63) - 1, "-9223372036854775809", "-9223372036854775809", DEC,
     "-9223372036854775809"),
    (999999999999999999, "999999999999999999", "999999999999999999", DEC,
     "999999999999999999"),
    (0.1, "100m", "100m", DEC, "0.1"),
    (1.5, "1500m", "1500m", DEC, "1.5"),
    (-1.5, "-1500m", "-1500m", DEC, "-1.5"),
    (2.0, "2", "2", DEC, "2"),
    (3.0, "3", "3", DEC, "3"),
    (-0.0, "0", "0", DEC, "0"),
    (0.0, "0", "0", DEC, "0"),
    (1e-05, "10e-6", "10e-6", EXP, "0.00001"),  # repr '1e-05'
    (1e16, "10e15", "10e15", EXP, "1e16"),  # repr '1e+16'
    (1e18, "1e+18", "1e18", EXP, "1e18"),  # repr '1e+18' is kept as cached string
    (1e22, "10e21", "10e21", EXP, "1e22"),
    (1e15, "1P", "1P", DEC, "1e15"),  # repr '1000000000000000.0'
    (0.30000000000000004, "300000001n", "300000001n", DEC, "0.300000001"),  # rounded up to n
    (5e-324, "1e-9", "1e-9", EXP, "1e-9"),
    (1e300, "1e+300", "1e300", EXP, "1e300"),
    (123.456, "123.456", "123456m", DEC, "123.456"),  # repr "123.456": scale -3, cached
    (0.5, "500m", "500m", DEC, "0.5"),
], ids=repr)
def test_parse_numbers(value, string, canonical, fmt, exact):
    q = parse_quantity(value)
    assert str(q) == string
    assert q.canonical() == canonical
    assert q.format == fmt
    assert q.as_fraction() == F(exact)


# ---------------------------------------------------------------------------------------------
# Zero: TestQuantityParseZero, TestQuantityCanocicalizeZero, TestUninitializedNoCrash
# ---------------------------------------------------------------------------------------------

def test_quantity_parse_zero():
    zero = P("0")
    assert str(zero) == "0"
    assert zero.format == DEC
    assert zero.is_zero()
    assert zero.sign() == 0
    assert zero.value() == 0
    assert zero.milli_value() == 0


def test_quantity_canonicalize_zero():
    # 1000m - 1 is zero and prints "0", not "0m"
    val = P("1000m") - Quantity.from_int(1)
    assert val.is_zero()
    assert str(val) == "0"


@pytest.mark.parametrize("fmt", [DEC, BIN, EXP])
def test_zero_constructors(fmt):
    for q in (Quantity.from_int(0, fmt), Quantity.from_milli(0, fmt)):
        assert str(q) == "0"
        assert q.canonical() == "0"
        assert q.format == fmt
        assert q.is_zero()
        assert q.value() == 0
        assert q.milli_value() == 0
        assert q.as_fraction() == 0


# ---------------------------------------------------------------------------------------------
# Constructors: TestNewSet, TestMilliNewSet, TestNewScaledSet, TestInt64AsCanonicalString,
# TestAmountSign
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value,fmt,expect", [
    (1, DEC, "1"),
    (1000, DEC, "1k"),
    (1234000, DEC, "1234k"),
    (1024, BIN, "1Ki"),
    (1000000, EXP, "1e6"),  # upstream: "invalidFormatDefaultsToExponent"
    (1024 * 1024, BIN, "1Mi"),
    # more
    (-1024, BIN, "-1Ki"),
    (1023, BIN, "1023"),
    (-1023, BIN, "-1023"),
    (2048, BIN, "2Ki"),
    (1536, BIN, "1536"),
    (1000, BIN, "1k"),  # -1024 < v < 1024: printed as DecimalSI
    (1572864, BIN, "1536Ki"),
    (MOST_POSITIVE, BIN, "9223372036854775807"),
    (1 << 62, BIN, "4Ei"),
    (MOST_NEGATIVE, DEC, "-9223372036854775808"),
    (1024, DEC, "1024"),
    (1000, EXP, "1e3"),
    (1500, EXP, "1500"),
    (15000, EXP, "15e3"),
    (5, EXP, "5"),
    (10, DEC, "10"),
    (100, DEC, "100"),
    (10 ** 18, DEC, "1E"),
    (10 ** 15, DEC, "1P"),
    (123000000, DEC, "123M"),
])
def test_new_set(value, fmt, expect):
    q = Quantity.from_int(value, fmt)
    assert q.format == fmt
    assert q.as_fraction() == value
    assert str(q) == expect
    assert q.canonical() == expect
    q2 = P(str(q))
    assert q2.value() == value
    assert q2.cmp(q) == 0


def test_most_negative_binary_si_and_the_parse_cap():
    # NewQuantity(mostNegative, BinarySI) prints -8Ei (= -2**63); parsing "-8Ei" caps the
    # magnitude at maxAllowed (2**63-1), so that round trip is not exact in Go either.
    q = Quantity.from_int(MOST_NEGATIVE, BIN)
    assert str(q) == "-8Ei"
    assert P("-8Ei").value() == -MOST_POSITIVE
    assert P("-8Ei").format == BIN


def test_from_int_default_format_is_decimal_si():
    assert Quantity.from_int(5).format == DEC
    assert Quantity.from_milli(5).format == DEC


@pytest.mark.parametrize("value,fmt,expect,exact", [
    (1, DEC, "1m", True),
    (1000, DEC, "1", True),
    (1234000, DEC, "1234", True),
    (1024, BIN, "1024m", False),  # Format changes
    (1000000, EXP, "1e3", True),  # upstream: "invalidFormatDefaultsToExponent"
    (1024 * 1024, BIN, "1048576m", False),  # Format changes
    # more
    (1024 * 1000, BIN, "1Ki", True),
    (-1024 * 1000, BIN, "-1Ki", True),
    (1500, BIN, "1500m", True),
    (-1, DEC, "-1m", True),
    (100, DEC, "100m", True),  # 1/10 CPU
    (250, DEC, "250m", True),
    (1, EXP, "1e-3", True),
    (10, EXP, "10e-3", True),
])
def test_milli_new_set(value, fmt, expect, exact):
    q = Quantity.from_milli(value, fmt)
    assert q.format == fmt
    assert q.as_fraction() == F(value) / 1000
    assert str(q) == expect
    if exact:
        assert P(str(q)).milli_value() == value


@pytest.mark.parametrize("value,scale,expect", [
    (1, NANO, "1n"),
    (1000, NANO, "1u"),
    (1, MICRO, "1u"),
    (1000, MICRO, "1m"),
    (1, MILLI, "1m"),
    (1000, MILLI, "1"),
    (1, 0, "1"),
    (0, NANO, "0"),
    (0, MICRO, "0"),
    (0, MILLI, "0"),
    (0, 0, "0"),
    # more
    (1, KILO, "1k"),
    (15, 2, "1500"),
    (15, -1, "1500m"),
    (-15, -1, "-1500m"),
    (1, 18, "1E"),
    (12, 18, "12E"),
    (1, 1, "10"),
    (1, -1, "100m"),
    (1, -2, "10m"),
    (1, -4, "100u"),
    (123, -9, "123n"),
])
def test_new_scaled_set(value, scale, expect):
    q = Quantity.from_scaled(value, scale)
    assert q.format == DEC
    assert q.as_fraction() == F(value) * F(10) ** scale
    assert str(q) == expect
    assert P(str(q)).scaled_value(scale) == value


@pytest.mark.parametrize("value,scale,expect", [
    # TestInt64AsCanonicalString (as String() of a DecimalSI quantity)
    (100, 0, "100"),
    (100, 1, "1k"),
    (100, -1, "10"),
    (10800, -10, "1080n"),
])
def test_int64_as_canonical_string(value, scale, expect):
    assert str(Quantity.from_scaled(value, scale)) == expect


@pytest.mark.parametrize("value,scale,expect", [
    # TestAmountSign
    (-50, 1, -1),
    (0, 1, 0),
    (300, 1, 1),
    (-50, -8, -1),
    (50, -8, 1),
    (0, -8, 0),
    (-50, 0, -1),
    (50, 0, 1),
    (0, 0, 0),
])
def test_amount_sign(value, scale, expect):
    q = Quantity.from_scaled(value, scale)
    assert q.sign() == expect
    assert q.is_zero() == (expect == 0)


# ---------------------------------------------------------------------------------------------
# Add / Sub: TestAdd, TestSub, TestQuantityAddZeroPreservesSuffix,
# TestQuantitySubZeroPreservesSuffix, TestInt64AmountAdd, TestAddSubRoundTrip*
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("a,b,expected,fmt", [
    # TestAdd
    ((10, 0, DEC), (1, 1, DEC), 20, DEC),
    ((10, 0, DEC), (1, 0, BIN), 11, DEC),
    ((10, 0, BIN), (1, 0, DEC), 11, BIN),
    ((0, 0, DEC), (50, 0, DEC), 50, DEC),
    ((50, 0, DEC), (0, 0, DEC), 50, DEC),
    ((0, 0, DEC), (0, 0, DEC), 0, DEC),
    # the zero receiver takes the argument's format (quantity.go Add)
    ((0, 0, BIN), (50, 0, DEC), 50, DEC),
    ((0, 0, DEC), (1024, 0, BIN), 1024, BIN),
    ((0, 0, EXP), (0, 0, BIN), 0, BIN),
    ((0, 0, BIN), (0, 0, EXP), 0, EXP),
    ((1, 0, EXP), (999, 0, BIN), 1000, EXP),
])
def test_add(a, b, expected, fmt):
    qa, qb = dq(*a), dq(*b)
    got = qa + qb
    assert got.as_fraction() == expected
    assert got.format == fmt
    assert str(got) == got.canonical()


@pytest.mark.parametrize("a,b,expected,fmt", [
    # TestSub
    ((10, 0, DEC), (1, 1, DEC), 0, DEC),
    ((10, 0, DEC), (1, 0, BIN), 9, DEC),
    ((10, 0, BIN), (1, 0, DEC), 9, BIN),
    ((0, 0, DEC), (50, 0, DEC), -50, DEC),
    ((50, 0, DEC), (0, 0, DEC), 50, DEC),
    ((0, 0, DEC), (0, 0, DEC), 0, DEC),
    # the zero receiver takes the argument's format (quantity.go Sub)
    ((0, 0, DEC), (1024, 0, BIN), -1024, BIN),
    ((0, 0, BIN), (5, 0, EXP), -5, EXP),
    ((1024, 0, BIN), (1024, 0, DEC), 0, BIN),
])
def test_sub(a, b, expected, fmt):
    qa, qb = dq(*a), dq(*b)
    got = qa - qb
    assert got.as_fraction() == expected
    assert got.format == fmt
    assert str(got) == got.canonical()


@pytest.mark.parametrize("text", ["100m", "1Gi"])
def test_quantity_add_zero_preserves_suffix(text):
    zero = P("0")
    value = P(text)
    assert str(value + zero) == text
    assert str(zero + value) == text
    assert (value + zero).format == value.format
    assert (zero + value).format == value.format


@pytest.mark.parametrize("text", ["100m", "1Gi"])
def test_quantity_sub_zero_preserves_suffix(text):
    zero = P("0")
    value = P(text)
    assert str(value - zero) == text
    assert str(zero - value) == str(-value) == "-" + text  # pylint: disable=invalid-unary-operand-type
    assert (zero - value).format == value.format


@pytest.mark.parametrize("a,b,c", [
    # TestInt64AmountAdd as exact decimal values (the overflow rows are exact in Python too)
    ((100, 1), (10, 2), (200, 1)),
    ((100, 1), (1, 2), (110, 1)),
    ((100, 1), (1, 100), (1 + 10 ** 97, 3)),  # 1e3 + 1e100
    ((-5, 2), (50, 1), (0, 1)),
    ((-5, 2), (5, 2), (0, 2)),
    ((MOST_POSITIVE, -1), (1, -1), (MOST_POSITIVE + 1, -1)),
    ((MOST_POSITIVE, -1), (0, -1), (MOST_POSITIVE, -1)),
    ((MOST_POSITIVE // 10, 1), (10, 0), (MOST_POSITIVE // 10 * 100 + 100, -1)),
])
def test_int64_amount_add(a, b, c):
    qa, qb = Quantity.from_scaled(*a), Quantity.from_scaled(*b)
    want = F(c[0]) * F(10) ** c[1]
    assert (qa + qb).as_fraction() == want
    assert (qb + qa).as_fraction() == want  # addition is commutative
    assert ((qa + qb) - qb).as_fraction() == qa.as_fraction()


def test_add_sub_round_trip():
    # TestAddSubRoundTrip (seeded)
    rng = random.Random(20240501)
    for k in range(-10, 11):
        q = Quantity.from_int(0, DEC)
        order = [rng.getrandbits(63) for _i in range(100)]
        for j in order:
            q = q + Quantity.from_scaled(j, k)
        assert q.as_fraction() == sum(order) * F(10) ** k
        for j in order:
            q = q - Quantity.from_scaled(j, k)
        assert q.is_zero(), str(q)
        assert str(q) == "0"


def test_add_sub_round_trip_across_scales():
    # TestAddSubRoundTripAcrossScales (seeded)
    rng = random.Random(7)
    q = Quantity.from_int(0, DEC)
    order = [rng.getrandbits(63) for _i in range(100)]
    for j in order:
        q = q + Quantity.from_scaled(j, j % 20 - 10)
    for j in order:
        q = q - Quantity.from_scaled(j, j % 20 - 10)
    assert q.is_zero(), str(q)


def test_add_and_sub_never_return_the_cached_string():
    # quantity.go Add/Sub start with q.s = ""
    plus_one = P("+1")
    assert str(plus_one) == "+1"
    assert str(plus_one + P("0")) == "1"
    assert str(plus_one - P("0")) == "1"
    assert str(P("0") + plus_one) == "1"
    assert str(P("1.500") + Quantity.from_int(0)) == "1500m"
    assert str(P("1.500") - Quantity.from_int(0)) == "1500m"
    assert str(P("100.035k") + P("0")) == "100035"
    assert str(P("1E3") + P("0")) == "1e3"
    assert str(P("1e0") + P("0")) == "1"
    assert str(P("01Ki") + P("0")) == "1Ki"
    assert str(P("1.G") - P("0")) == "1G"


def test_operands_are_not_mutated():
    # TestQuantityDeepCopy / TestDeepCopy: Python operators return new objects
    a, b = P("+1.500"), P("2Ki")
    results = [a + b, a - b, b - a, -a, a.mul(3), a.round_up(0)[0], b.round_up(4)[0]]  # pylint: disable=invalid-unary-operand-type
    assert results
    assert str(a) == "+1.500" and a.as_fraction() == F("1.5") and a.format == DEC
    assert str(b) == "2Ki" and b.as_fraction() == 2048 and b.format == BIN


@pytest.mark.parametrize("a,b,expect,fmt", [
    # KubeVirt-style memory overhead arithmetic
    ("64Mi", (302120960, BIN), "360576Ki", BIN),
    ("1500M", (302120960, BIN), "1802120960", DEC),  # DecimalSI plus bytes: plain digits
    ("1.7Gi", (301989888, BIN), "2127350988800m", BIN),  # 1825361100.8 + 288Mi
    ("1.7Gi", (302120960, BIN), "2127482060800m", BIN),
    ("1Gi", (302120960, BIN), "1343616Ki", BIN),
    ("2G", (302120960, BIN), "2302120960", DEC),
    ("1G", (1073741824, DEC), "2073741824", DEC),
    ("512Mi", (536870912, BIN), "1Gi", BIN),
    ("0", (302120960, BIN), "295040Ki", BIN),  # zero receiver takes BinarySI
    ("128Mi", (-134217728, BIN), "0", BIN),
])
def test_kubevirt_overhead_sums(a, b, expect, fmt):
    got = P(a) + Quantity.from_int(*b)
    assert str(got) == expect
    assert got.format == fmt
    assert got.as_fraction() == P(a).as_fraction() + b[0]


def test_kubevirt_tenth_of_a_cpu():
    assert str(Quantity.from_milli(1000 // 10)) == "100m"
    assert str(P("0.1")) == "100m"
    assert str(parse_quantity(0.1)) == "100m"
    assert str(P("1").mul(100) - P("99.9")) == "100m"
    assert str(Quantity.from_scaled(1, -1)) == "100m"
    assert P("100m").milli_value() == 100
    assert P("100m").value() == 1


def test_kubevirt_overhead_from_cached_binary_string():
    # "64Mi" is cached by ParseQuantity; the sum is not
    q = P("64Mi")
    assert str(q) == "64Mi"
    total = q + Quantity.from_int(0, BIN)
    assert str(total) == "64Mi"
    total = Quantity.from_int(0, BIN) + q
    assert str(total) == "64Mi"


# ---------------------------------------------------------------------------------------------
# Neg: TestQuantityNeg, TestNeg, TestNegateRoundTrip
# ---------------------------------------------------------------------------------------------

def test_quantity_neg():
    for q in (dq(901, -2, DEC), P("9.01")):
        out = -q  # pylint: disable=invalid-unary-operand-type
        assert out.cmp(q) != 0  # negating an item should not mutate the source
        assert str(out) == "-9010m"
        assert str(q) == "9010m"


@pytest.mark.parametrize("mantissa,fmt,expected", [
    (0, DEC, 0),
    (10, BIN, -10),
    (-10, BIN, 10),
    (0, BIN, 0),
])
def test_neg(mantissa, fmt, expected):
    q = Quantity.from_int(mantissa, fmt)
    got = -q
    assert got.as_fraction() == expected
    assert got.format == fmt


@pytest.mark.parametrize("text,expect", [
    ("+1", "-1"),
    ("1.500", "-1500m"),
    ("-1.500", "1500m"),
    ("+1Ki", "-1Ki"),
    ("-1Ki", "1Ki"),
    ("1E3", "-1e3"),
    ("0", "0"),
    ("-0", "0"),
    ("0Ki", "0"),
    ("100.035k", "-100035"),
    ("9Ei", "-9223372036854775807"),
])
def test_neg_clears_cached_string(text, expect):
    # quantity.go Neg: q.s = ""
    q = P(text)
    neg = -q  # pylint: disable=invalid-unary-operand-type
    assert str(neg) == expect
    assert neg.format == q.format
    assert neg.as_fraction() == -q.as_fraction()
    assert str(-neg) == q.canonical()


def test_negate_round_trip():
    # TestNegateRoundTrip (seeded)
    rng = random.Random(11)
    for k in range(-10, 11):
        for _i in range(20):
            q = Quantity.from_scaled(rng.getrandbits(63), k)
            assert (-(-q)).cmp(q) == 0
            assert (-q).as_fraction() == -q.as_fraction()


# ---------------------------------------------------------------------------------------------
# Mul: TestMul, TestInt64AmountMul
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("a,fmt,b,expected", [
    (10, DEC, 10, 100),
    (10, DEC, 1, 10),
    (10, BIN, 1, 10),
    (0, DEC, 50, 0),
    (50, DEC, 0, 0),
    (0, DEC, 0, 0),
    (10, DEC, -10, -100),
    (-10, DEC, 1, -10),
    (10, BIN, -1, -10),
    (-50, DEC, 0, 0),
    (-50, DEC, -50, 2500),
    (0, DEC, -50, 0),
    (MOST_POSITIVE, DEC, 0, 0),
    (MOST_POSITIVE, DEC, 1, MOST_POSITIVE),
    (MOST_POSITIVE, DEC, -1, -MOST_POSITIVE),
    (MOST_POSITIVE // 2, DEC, 2, (MOST_POSITIVE // 2) * 2),
    (-(MOST_POSITIVE // 2), DEC, -2, (MOST_POSITIVE // 2) * 2),  # Go: mostPositive/-2
    (MOST_POSITIVE, DEC, 2, MOST_POSITIVE * 2),
    (MOST_POSITIVE, DEC, 10, MOST_POSITIVE * 10),
    (MOST_POSITIVE, DEC, -10, -MOST_POSITIVE * 10),
    (MOST_NEGATIVE, DEC, 0, 0),
    (MOST_NEGATIVE, DEC, 1, MOST_NEGATIVE),
    (MOST_NEGATIVE, DEC, -1, MOST_POSITIVE + 1),
    (MOST_NEGATIVE // 2, DEC, 2, MOST_NEGATIVE),
    (-(MOST_NEGATIVE // 2), DEC, -2, MOST_NEGATIVE),
    (MOST_NEGATIVE, DEC, 2, MOST_NEGATIVE * 2),
    (MOST_NEGATIVE, DEC, 10, MOST_NEGATIVE * 10),
    (MOST_NEGATIVE, DEC, -10, (MOST_POSITIVE + 1) * 10),
])
def test_mul(a, fmt, b, expected):
    q = Quantity.from_int(a, fmt)
    got = q.mul(b)
    assert got.as_fraction() == expected
    assert got.format == fmt
    assert str(got) == got.canonical()
    assert q.as_fraction() == a


@pytest.mark.parametrize("a,b,c", [
    # TestInt64AmountMul (value, scale) * b == c, exact
    ((100, 1), 1000, (100000, 1)),
    ((100, -1), 1000, (100000, -1)),
    ((1, 100), 10, (10, 100)),
    ((1, -100), 10, (10, -100)),
    ((-5, 2), 500, (-2500, 2)),
    ((-5, -2), 500, (-2500, -2)),
    ((0, 1), 0, (0, 0)),
    ((MOST_POSITIVE, -1), 10, (MOST_POSITIVE, 0)),
    ((MOST_POSITIVE, -1), 0, (0, 0)),
    ((MOST_POSITIVE, 0), 1, (MOST_POSITIVE, 0)),
    ((MOST_POSITIVE // 10, 1), 10, (MOST_POSITIVE // 10, 2)),
    ((MOST_POSITIVE, 0), -1, (-MOST_POSITIVE, 0)),
    ((MOST_NEGATIVE, 0), 1, (MOST_NEGATIVE, 0)),
    ((MOST_NEGATIVE, 1), 0, (0, 0)),
    ((MOST_NEGATIVE, 1), 1, (MOST_NEGATIVE, 1)),
])
def test_int64_amount_mul(a, b, c):
    got = Quantity.from_scaled(*a).mul(b)
    assert got.as_fraction() == F(c[0]) * F(10) ** c[1]


@pytest.mark.parametrize("text,n,expect,fmt", [
    ("+1", 1, "1", DEC),  # Mul clears q.s
    ("1.500", 1, "1500m", DEC),
    ("1.500", 2, "3", DEC),
    ("100m", 10, "1", DEC),
    ("1Ki", 1024, "1Mi", BIN),
    ("1Ki", 3, "3Ki", BIN),
    ("512", 2, "1024", DEC),  # DecimalSI stays decimal
    ("1Gi", 0, "0", BIN),
    ("1.5Gi", 2, "3Gi", BIN),
    ("1e3", 7, "7e3", EXP),
    ("250m", -4, "-1", DEC),
])
def test_mul_strings(text, n, expect, fmt):
    got = P(text).mul(n)
    assert str(got) == expect
    assert got.format == fmt


# ---------------------------------------------------------------------------------------------
# Cmp: TestQuantityCmp, TestQuantityCmpInt64AndDec, Equal / QuantityPtrEqual
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("x,y,expect", [
    ("0", "0", 0),
    ("100m", "50m", 1),
    ("50m", "100m", -1),
    ("10000T", "100Gi", 1),
    # more
    ("1Ki", "1024", 0),
    ("1k", "1Ki", -1),
    ("1Gi", "1G", 1),
    ("1e3", "1k", 0),
    ("1.500", "1500m", 0),
    ("+1", "1", 0),
    ("-1", "1", -1),
    ("-1Ki", "-1k", -1),
    ("9Ei", "9223372036854775807", 0),
    ("12E", "9Ei", 1),
    ("1n", "0", 1),
    ("-1n", "0", -1),
    ("0.0000000001", "1n", 0),
    ("1000000000000000000.1", "1E", 1),
    ("100m", "100m", 0),
    ("100m", "200m", -1),
])
def test_quantity_cmp(x, y, expect):
    a, b = P(x), P(y)
    assert a.cmp(b) == expect
    assert b.cmp(a) == -expect
    assert (a == b) == (expect == 0)
    assert (a != b) == (expect != 0)
    assert (a < b) == (expect < 0)
    assert (a <= b) == (expect <= 0)
    assert (a > b) == (expect > 0)
    assert (a >= b) == (expect >= 0)


@pytest.mark.parametrize("x,y,expect", [
    # TestQuantityCmp table2: zero values compared with 0, 10, -10
    (0, 0, 0),
    (0, 10, -1),
    (0, -10, 1),
    (10, 0, 1),
    (-10, 0, -1),
])
def test_quantity_cmp_zero(x, y, expect):
    assert Quantity.from_int(x).cmp(Quantity.from_int(y)) == expect
    assert Quantity.from_int(x, BIN).cmp(Quantity.from_int(y, EXP)) == expect


@pytest.mark.parametrize("a,b,expect", [
    # TestQuantityCmpInt64AndDec: (value, scale) pairs
    ((901, -2), (901, -2), 0),
    ((90, -1), (901, -2), -1),
    ((901, -2), (900, -2), 1),
    ((0, 0), (0, 0), 0),
    ((0, 1), (0, -1), 0),
    ((0, -1), (0, 1), 0),
    ((800, -3), (1, 0), -1),
    ((800, -3), (79, -2), 1),
    ((MOST_POSITIVE, 0), (1, -1), 1),
    ((MOST_POSITIVE, 1), (1, 0), 1),
    ((MOST_POSITIVE, 1), (1, 1), 1),
    ((MOST_POSITIVE, 1), (0, 1), 1),
    ((MOST_POSITIVE, -16), (1, 3), -1),
    ((MOST_NEGATIVE, 0), (0, 0), -1),
    ((MOST_NEGATIVE, -18), (-1, 0), -1),
    ((MOST_NEGATIVE, -19), (-1, 0), 1),
    ((10 ** 18, -17), (1, 1), 0),
    ((10 ** 18, -17), (-10, 0), 1),
    ((-(10 ** 18), -17), (-10, 0), 0),
    ((10 ** 18, -17), (1, 0), 1),
    ((10 ** 18 + 1, -17), (1, 1), 1),
    ((10 ** 18 - 1, -17), (1, 1), -1),
])
def test_quantity_cmp_int64_and_dec(a, b, expect):
    qa, qb = Quantity.from_scaled(*a), Quantity.from_scaled(*b)
    assert qa.cmp(qb) == expect
    assert qb.cmp(qa) == -expect


def test_quantity_ptr_equal():
    # TestQuantityPtrEqual (the non-nil rows)
    q1, q2, q3 = P("100m"), P("100m"), P("200m")
    assert q1 == q2
    assert (q1 == q3) is False
    assert q1 != q3


def test_cmp_ignores_format():
    assert Quantity.from_int(1024, BIN) == Quantity.from_int(1024, DEC)
    assert Quantity.from_int(1024, BIN) == Quantity.from_int(1024, EXP)
    assert Quantity.from_int(1024, BIN).cmp(P("1Ki")) == 0


# ---------------------------------------------------------------------------------------------
# Value / MilliValue / ScaledValue: TestScaledValue, TestInt64AmountAsScaledInt64, TestNewSet,
# TestMilliNewSet, TestQuantityValueSet.  Go rounds away from zero (negativeScaleInt64).
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("from_scale,to_scale,expected", [
    (NANO, NANO, 1),
    (NANO, MICRO, 1),
    (NANO, MILLI, 1),
    (NANO, 0, 1),
    (MICRO, NANO, 1000),
    (MICRO, MICRO, 1),
    (MICRO, MILLI, 1),
    (MICRO, 0, 1),
    (MILLI, NANO, 1000 * 1000),
    (MILLI, MICRO, 1000),
    (MILLI, MILLI, 1),
    (MILLI, 0, 1),
    (0, NANO, 1000 * 1000 * 1000),
    (0, MICRO, 1000 * 1000),
    (0, MILLI, 1000),
    (0, 0, 1),
    (2, -2, 100 * 100),
])
def test_scaled_value(from_scale, to_scale, expected):
    q = Quantity.from_scaled(1, from_scale)
    assert q.scaled_value(to_scale) == expected


@pytest.mark.parametrize("value,scale,to_scale,expected", [
    # TestInt64AmountAsScaledInt64 (the overflow row, 876e30 at scale 4, is not transcribed:
    # Go returns 0 there because of int64 overflow)
    (100, 0, 5, 1),
    (100, 1, 1, 100),
    (100, 5, 2, 100000),
    (93, -1, 0, 10),
    (100, -1, 0, 10),
    (-1932, 2, 4, -20),
    (-1900, 2, 4, -19),
])
def test_int64_amount_as_scaled_int64(value, scale, to_scale, expected):
    assert Quantity.from_scaled(value, scale).scaled_value(to_scale) == expected


@pytest.mark.parametrize("text,value,milli", [
    ("0", 0, 0),
    ("1", 1, 1000),
    ("1Mi", 1048576, 1048576000),  # TestQuantityValueSet
    ("1.5", 2, 1500),
    ("1.4", 2, 1400),
    ("1.0", 1, 1000),
    ("0.5", 1, 500),
    ("100m", 1, 100),
    ("1n", 1, 1),
    ("1u", 1, 1),
    ("999m", 1, 999),
    ("1001m", 2, 1001),
    ("1.0005", 2, 1001),
    ("9.01", 10, 9010),
    ("1Ki", 1024, 1024000),
    ("1.5Ki", 1536, 1536000),
    ("100.035Ki", 102436, 102435840),
    ("1.7Gi", 1825361101, 1825361100800),
    ("1k", 1000, 1000000),
    ("1e-3", 1, 1),
    ("1E", 10 ** 18, None),
    ("9223372036854775807", MOST_POSITIVE, None),
    ("9Ei", MOST_POSITIVE, None),
    ("9223372036854775.807", 9223372036854776, MOST_POSITIVE),
    # negative numbers round away from zero (amount.go negativeScaleInt64)
    ("-1", -1, -1000),
    ("-1.5", -2, -1500),
    ("-1.4", -2, -1400),
    ("-0.5", -1, -500),
    ("-100m", -1, -100),
    ("-1n", -1, -1),
    ("-1.0005", -2, -1001),
    ("-9.01", -10, -9010),
    ("-1Ki", -1024, -1024000),
    ("-1500m", -2, -1500),
])
def test_value_and_milli_value(text, value, milli):
    q = P(text)
    assert q.value() == value
    assert q.scaled_value(0) == value
    if milli is not None:
        assert q.milli_value() == milli
        assert q.scaled_value(MILLI) == milli


@pytest.mark.parametrize("text,scale,expected", [
    ("1.5Gi", 9, 2),
    ("1.5Gi", 6, 1611),
    ("1.5Gi", 3, 1610613),
    ("1G", 9, 1),
    ("1G", 12, 1),
    ("1G", -9, 10 ** 18),
    ("123456789n", -6, 123457),
    ("123456789n", -9, 123456789),
    ("-1500", 3, -2),
    ("-1500", 2, -15),
    ("-1501", 2, -16),
    ("1Ki", 3, 2),
    ("1Ki", 2, 11),
    ("1Ki", 1, 103),
    ("0", 5, 0),
    ("1n", 18, 1),
])
def test_scaled_value_strings(text, scale, expected):
    assert P(text).scaled_value(scale) == expected


# ---------------------------------------------------------------------------------------------
# RoundUp: TestQuantityRoundUp
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,scale,expect,exact", [
    ("9.01", -3, "9.01", True),
    ("9.01", -2, "9.01", True),
    ("9.01", -1, "9.1", False),
    ("9.01", 0, "10", False),
    ("9.01", 1, "10", False),
    ("9.01", 2, "100", False),
    ("-9.01", -3, "-9.01", True),
    ("-9.01", -2, "-9.01", True),
    ("-9.01", -1, "-9.1", False),
    ("-9.01", 0, "-10", False),
    ("-9.01", 1, "-10", False),
    ("-9.01", 2, "-100", False),
    # more
    ("0", 3, "0", True),
    ("1n", 0, "1", False),
    ("1n", -9, "0.000000001", True),
    ("-1n", 0, "-1", False),
    ("1.5Ki", 0, "1536", True),
    ("1.5Ki", 3, "2000", False),
    ("100.035Ki", 0, "102436", False),
    ("100.035Ki", -1, "102435.9", False),
    ("100.035Ki", -2, "102435.84", True),
    ("1999", 3, "2000", False),
    ("2000", 3, "2000", True),
    ("1", 3, "1000", False),
    ("12E", 18, "1.2e19", True),
    ("12E", 19, "2e19", False),
])
def test_quantity_round_up(text, scale, expect, exact):
    q = P(text)
    got, ok = q.round_up(scale)
    assert ok is exact
    assert got.as_fraction() == F(expect)
    assert got.format == q.format
    assert q.as_fraction() == P(text).as_fraction()  # the source is not mutated


@pytest.mark.parametrize("text,scale,expect,exact", [
    ("9.01", -1, "9100m", False),
    ("9.01", 0, "10", False),
    ("9.01", 1, "10", False),
    ("9.01", 2, "100", False),
    ("-9.01", 0, "-10", False),
    ("-9.01", 2, "-100", False),
    ("1.5Ki", 3, "2000", False),  # BinarySI, not a multiple of 1024
    ("1.5Ki", 0, "1536", True),
    # 1572864 rounded up to a multiple of 10**6 is 2000000: BinarySI, not a multiple of 1024
    ("1536Ki", 6, "2000000", False),
    ("1.5", 0, "2", False),
    ("1e3", 4, "10e3", False),
    ("100.035Ki", 0, "102436", False),
])
def test_quantity_round_up_string(text, scale, expect, exact):
    got, ok = P(text).round_up(scale)
    assert ok is exact
    assert str(got) == expect


@pytest.mark.parametrize("text,scale,expect,exact", [
    # Go RoundUp on an int64Amount returns early, keeping q.s, when q.i.scale >= scale
    # ("avoid clearing the string value if we have already calculated it"). A parsed cached
    # string has q.i.scale == suffix exponent - len(denominator) (0 for BinarySI).
    ("1.500", -3, "1.500", True),
    ("1.500", -9, "1.500", True),
    ("1.500", -2, "1500m", True),  # q.i.scale -3 < -2: AsScale, q.s cleared
    ("1.500", 0, "2", False),
    ("+1", 0, "+1", True),
    ("+1", -3, "+1", True),
    ("+1", 3, "1k", False),
    ("+1Ki", 0, "+1Ki", True),
    ("+1Ki", 1, "1030", False),
    ("1E3", 3, "1E3", True),
    ("1E3", 4, "10e3", False),
    ("100.035k", 0, "100.035k", True),
    ("100.035k", 1, "100040", False),
    ("1.G", 9, "1.G", True),
    ("1.G", 10, "10G", False),
])
def test_quantity_round_up_keeps_cached_string(text, scale, expect, exact):
    got, ok = P(text).round_up(scale)
    assert ok is exact
    assert str(got) == expect


# ---------------------------------------------------------------------------------------------
# as_fraction
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,expect", [
    ("1.5Gi", Fraction(3 * 2 ** 29)),
    ("1.7Gi", Fraction(18253611008, 10)),
    ("100m", Fraction(1, 10)),
    ("-3n", Fraction(-3, 10 ** 9)),
    ("1e-3", Fraction(1, 1000)),
    ("0", Fraction(0)),
    ("12E", Fraction(12 * 10 ** 18)),
])
def test_as_fraction(text, expect):
    got = P(text).as_fraction()
    assert isinstance(got, Fraction)
    assert got == expect


# ---------------------------------------------------------------------------------------------
# Go behaviours that look like bugs but are what k8s.io/apimachinery does.  They follow from the
# source quoted in each comment; they are kept separate so that a deliberate deviation is easy
# to spot.
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,fmt", [
    # parseQuantityString returns num="0" when no digits are present, and the fast path
    # (strconv.ParseInt("0")) succeeds, so these are zero, not errors.
    (".", DEC),
    ("-.", DEC),
    ("+.", DEC),
    ("-", DEC),
    ("+", DEC),
    ("m", DEC),
    ("-m", DEC),
    ("k", DEC),
    ("E", DEC),
    ("Ki", BIN),
    (".Ki", BIN),
    (".Ti", BIN),  # binary precision 15-1-12-1 = 1 >= 0: fast path
    ("E3", EXP),
    (".e-9", EXP),  # scale -9 >= Nano: fast path
])
def test_go_quirk_digitless_inputs_are_zero(text, fmt):
    q = P(text)
    assert q.is_zero()
    assert str(q) == "0"
    assert q.format == fmt


def test_go_quirk_decimal_si_beyond_exa_has_no_suffix():
    # CanonicalizeBytes ignores the ok of quantitySuffixer.constructBytes: 10**21 DecimalSI
    # becomes mantissa "1", exponent 21, and there is no DecimalSI suffix for 21 -> "1".
    # ("1000E" is not cached: shifted "1000" ends in "000".)
    q = P("1000E")
    assert q.as_fraction() == 10 ** 21
    assert str(q) == "1"
    assert q.canonical() == "1"
    assert str(q + P("0")) == "1"
    assert str(P("1500E")) == "1500E"  # 15e20 -> 1500, 18: fine
    assert str(P("1e21")) == "1e21"  # DecimalExponent always has a suffix


def test_go_quirk_decimal_si_below_nano_has_no_suffix():
    # NewScaledQuantity(1, -12) keeps scale -12; AsCanonicalBytes gives "1", -12, and there is
    # no DecimalSI suffix for -12.
    q = Quantity.from_scaled(1, -12)
    assert q.as_fraction() == Fraction(1, 10 ** 12)
    assert str(q) == "1"
    assert q.value() == 1  # rounded away from zero


def test_go_quirk_binary_si_beyond_exbi_has_no_suffix():
    # 1Ei * 1024 = 2**70 = 1 * 1024**7; there is no BinarySI suffix for 2**70 -> "1"
    q = P("1Ei").mul(1024)
    assert q.as_fraction() == 2 ** 70
    assert q.format == BIN
    assert str(q) == "1"
