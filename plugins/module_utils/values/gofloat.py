# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Go's float64 text rules where KubeVirt's results depend on them.

KubeVirt prints a CPU request with ``fmt.Sprintf("%g")`` and reads ratios with
``strconv.ParseFloat``; both differ from Python's defaults (``%g`` here means Go's shortest form,
switching to an exponent at 1e+06; ``ParseFloat`` takes no blanks or underscores).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import re

_DECIMAL_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_HEX_FLOAT = re.compile(r"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+\Z")
_SPECIAL = {"inf": math.inf, "+inf": math.inf, "-inf": -math.inf, "infinity": math.inf,
            "+infinity": math.inf, "-infinity": -math.inf, "nan": math.nan}
_INT64_MIN = -(1 << 63)


_PARSED = {}  # text -> float or None: the few ratio texts of a cluster, read again for every VMI
_UNSEEN = object()


def parse_float(text):
    """strconv.ParseFloat(text, 64): the float, or None where Go returns an error."""
    if not isinstance(text, str):
        return None
    value = _PARSED.get(text, _UNSEEN)
    if value is _UNSEEN:
        value = _parse_float(text)
        if len(text) <= 64 and len(_PARSED) < 4096:
            _PARSED[text] = value
    return value


def _parse_float(text):
    special = _SPECIAL.get(text.lower())
    if special is not None:
        return special
    if _DECIMAL_FLOAT.match(text):
        value = float(text)
    elif _HEX_FLOAT.match(text):
        value = float.fromhex(text)
    else:
        return None
    if math.isinf(value):
        return None  # out of range: Go answers ErrRange
    return value


def int64(value):
    """Go's int64(float64) conversion: truncation toward zero; amd64's answer where it overflows."""
    if math.isnan(value) or not _INT64_MIN <= value < -_INT64_MIN:
        return _INT64_MIN
    return int(value)


_FORMATTED = {}


def format_g(value):
    """fmt.Sprintf("%g", value) for a finite float64."""
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    text = _FORMATTED.get(value)
    if text is None:
        text = _format_g(value)
        if len(_FORMATTED) < 4096:
            _FORMATTED[value] = text
    return text


def _format_g(value):
    text = repr(abs(value))  # Python's repr holds the same shortest round-trip digits as Go
    mantissa, _e, exp_text = text.partition("e")
    whole, _point, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    point = len(whole) + (int(exp_text) if exp_text else 0)  # decimal point after this many digits
    point -= len(whole + frac) - len((whole + frac).lstrip("0"))
    digits = digits.rstrip("0") or "0"
    exponent = point - 1
    sign = "-" if value < 0 else ""
    if exponent < -4 or exponent >= 6:  # shortest %g switches at precision 6
        body = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return "%s%se%s%02d" % (sign, body, "-" if exponent < 0 else "+", abs(exponent))
    if point <= 0:
        return sign + "0." + "0" * -point + digits
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return sign + digits[:point] + "." + digits[point:]
