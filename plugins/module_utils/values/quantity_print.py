# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The canonical text of a Kubernetes quantity (apimachinery ``Quantity.CanonicalizeBytes``), and
the names of the three formats that decide it.

``values.quantity`` holds the quantity itself and its parsing; printing is here, a pure function
of the exact value ``unscaled * 10**scale`` and the format.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

BINARY_SI = "BinarySI"
DECIMAL_SI = "DecimalSI"
DECIMAL_EXPONENT = "DecimalExponent"

_DECIMAL_SUFFIX_BY_EXPONENT = {
    -9: "n", -6: "u", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E",
}
_BINARY_SUFFIX_BY_POWER = {1: "Ki", 2: "Mi", 3: "Gi", 4: "Ti", 5: "Pi", 6: "Ei"}


def canonical(unscaled, scale, fmt):
    """apimachinery Quantity.CanonicalizeBytes."""
    if unscaled == 0:
        return "0"
    if fmt == BINARY_SI:
        if scale >= 0:
            whole, exact = unscaled * 10 ** scale, True
        else:
            whole, rest = divmod(unscaled, 10 ** -scale)
            exact = rest == 0
        if not exact or -1024 < whole < 1024:
            fmt = DECIMAL_SI
        else:
            negative = whole < 0
            whole = -whole if negative else whole
            power = 0
            while whole % 1024 == 0:
                whole //= 1024
                power += 1
            suffix = _BINARY_SUFFIX_BY_POWER.get(power, "")
            return ("-%d%s" if negative else "%d%s") % (whole, suffix)
    negative = unscaled < 0
    mantissa = -unscaled if negative else unscaled
    exponent = scale
    while mantissa % 10 == 0:
        mantissa //= 10
        exponent += 1
    shift = exponent % 3  # Python's modulo: always lowers the exponent to a multiple of 3
    if shift:
        mantissa *= 10 ** shift
        exponent -= shift
    if fmt == DECIMAL_SI:
        suffix = _DECIMAL_SUFFIX_BY_EXPONENT.get(exponent, "")
    else:  # DecimalExponent, and Go's fallback for a quantity without a format
        suffix = "e%d" % exponent if exponent else ""
    return ("-%d%s" if negative else "%d%s") % (mantissa, suffix)
