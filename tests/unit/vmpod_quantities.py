# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The exact value of a quantity string, computed apart from the engine, for tests whose
expected numbers are written by hand."""

from fractions import Fraction

_SUFFIX = {
    "n": Fraction(1, 10 ** 9), "u": Fraction(1, 10 ** 6), "m": Fraction(1, 1000), "": Fraction(1),
    "k": Fraction(10 ** 3), "M": Fraction(10 ** 6), "G": Fraction(10 ** 9),
    "T": Fraction(10 ** 12), "P": Fraction(10 ** 15), "E": Fraction(10 ** 18),
    "Ki": Fraction(2 ** 10), "Mi": Fraction(2 ** 20), "Gi": Fraction(2 ** 30),
    "Ti": Fraction(2 ** 40), "Pi": Fraction(2 ** 50), "Ei": Fraction(2 ** 60),
}


def qty(text):
    """Exact value of a canonical Kubernetes quantity string."""
    text = str(text)
    for exp_mark in ("e", "E"):
        if exp_mark in text:
            mant, exp = text.split(exp_mark)
            return Fraction(mant) * Fraction(10) ** int(exp)
    i = len(text)
    while i > 0 and not (text[i - 1].isdigit() or text[i - 1] == "."):
        i -= 1
    return Fraction(text[:i]) * _SUFFIX[text[i:]]
