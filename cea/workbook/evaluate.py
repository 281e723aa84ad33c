"""A small evaluator of the workbook's own formulas: the cached values stored with every formula.

It understands the Excel subset the sheet writers use (arithmetic, comparisons, ``&``, references,
ranges and defined names, and the functions in ``FUNCTIONS``) with Excel's semantics where they
matter: unary minus binds tighter than ``^``; blanks are 0 in arithmetic; text in arithmetic is
#VALUE!; text comparisons ignore case; errors propagate until IFERROR / ISNUMBER / ISERROR; ROUND
rounds half away from zero.  An unknown function is a programming error (``ValueError``), never a
silent blank, and so is a case of a known function the evaluator deliberately leaves out (``Unsupported``:
e.g. a range as a cell's value, text Excel would read as a date).  tests/test_workbook_evaluate_definitions.py
holds every function to its documented definition at its edge cases and to LibreOffice.

Formulas that differ only in relative row numbers (every row of a trace column) share one compiled
function (nested closures, no eval): relative rows become offsets from the formula's own row.
"""

from __future__ import annotations

import math
import re
import sys
import threading
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any, Callable

from scipy import special, stats

from cea.workbook.core import Book, Cell, column_index, cyclic_gc_paused

ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")


class XlError(Exception):
    """An Excel error value (raised while evaluating; stored as the cell's value)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    def __eq__(self, other: object) -> bool:
        return isinstance(other, XlError) and other.code == self.code

    def __hash__(self) -> int:
        return hash(self.code)


class Unsupported(ValueError):
    """A case of an Excel function or operator the evaluator deliberately does not implement (a programming error
    of the sheet writers, never a cached value: Excel would compute something else)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} is not implemented by the workbook evaluator (formula)")


class Range:
    __slots__ = ("ctx", "sheet", "r1", "c1", "r2", "c2")

    def __init__(self, ctx: "Evaluator", sheet: int, r1: int, c1: int, r2: int, c2: int) -> None:
        self.ctx, self.sheet, self.r1, self.c1, self.r2, self.c2 = ctx, sheet, r1, c1, r2, c2

    def cells(self) -> list[Any]:
        """Values row by row (errors stay as XlError objects)."""
        get = self.ctx.raw
        return [get(self.sheet, r, c) for r in range(self.r1, self.r2 + 1) for c in range(self.c1, self.c2 + 1)]

    @property
    def shape(self) -> tuple[int, int]:
        return self.r2 - self.r1 + 1, self.c2 - self.c1 + 1


# ---------------------------------------------------------------------------------------------- coercion
def num(v: Any) -> float:
    if v is None:
        return 0.0
    t = type(v)
    if t is float or t is int:
        return v
    if t is bool:
        return 1.0 if v else 0.0
    if t is str:
        return _text_number(v)
    if t is Range:
        rows, cols = v.shape
        if rows == 1 and cols == 1:
            return num(_check(v.cells()[0]))
        raise XlError("#VALUE!")
    if t is XlError:
        raise v
    raise XlError("#VALUE!")


_NUMERIC_TEXT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _text_number(v: str) -> float:
    """Text in arithmetic: a number written as text converts (" 2 ", "1e3", "50%"); other text is #VALUE!.
    Text Excel would read as a date, time, currency or with thousands separators is not implemented."""
    s = v.strip()
    if _NUMERIC_TEXT.fullmatch(s):
        return float(s)
    if s.endswith("%") and _NUMERIC_TEXT.fullmatch(s[:-1].strip()):
        return float(s[:-1].strip()) / 100.0
    if re.search(r"[0-9]", s) and re.search(r"[,$/:€£]", s):
        raise Unsupported(f"converting the text {v!r} to a number")
    raise XlError("#VALUE!")


def _raise(code: str):
    raise XlError(code)


def _check(v: Any) -> Any:
    if type(v) is XlError:
        raise v
    return v


def truth(v: Any) -> bool:
    if type(v) is Range:
        v = _scalar(v)
    if type(v) is bool:
        return v
    if type(v) is str:
        up = v.upper()
        if up in ("TRUE", "FALSE"):
            return up == "TRUE"
        raise XlError("#VALUE!")
    return num(v) != 0


def text(v: Any) -> str:
    if v is None:
        return ""
    if type(v) is bool:
        return "TRUE" if v else "FALSE"
    if type(v) is str:
        return v
    f = num(v)
    if f == int(f) and abs(f) < 1e15:
        return str(int(f))
    return f"{f:.15g}".upper()


def _scalar(v: Any) -> Any:
    if type(v) is Range:
        rows, cols = v.shape
        if rows == 1 and cols == 1:
            return _check(v.cells()[0])
        raise XlError("#VALUE!")
    return v


# ---------------------------------------------------------------------------------------------- operators
def add(a, b):
    return num(a) + num(b)


def sub(a, b):
    return num(a) - num(b)


def mul(a, b):
    return num(a) * num(b)


def div(a, b):
    d = num(b)
    if d == 0:
        raise XlError("#DIV/0!")
    return num(a) / d


def power(a, b):
    x, y = num(a), num(b)
    if x == 0 and y <= 0:
        raise XlError("#NUM!" if y == 0 else "#DIV/0!")
    try:
        r = math.pow(x, y)
    except (ValueError, OverflowError):
        raise XlError("#NUM!") from None
    return r


def neg(a):
    return -num(a)


def concat(a, b):
    return text(_scalar(a)) + text(_scalar(b))


def _rank(v: Any) -> int:
    t = type(v)
    return 0 if t in (int, float) else 1 if t is str else 2


def compare(a, b, op: str) -> bool:
    a, b = _scalar(a), _scalar(b)
    if a is None:
        a = "" if type(b) is str else (False if type(b) is bool else 0.0)
    if b is None:
        b = "" if type(a) is str else (False if type(a) is bool else 0.0)
    ra, rb = _rank(a), _rank(b)
    if ra != rb:
        x, y = ra, rb
    elif ra == 1:
        x, y = a.lower(), b.lower()
    elif ra == 0 and _approx_equal(a, b):
        x = y = 0
    else:
        x, y = a, b
    if op == "=":
        return x == y
    if op == "<>":
        return x != y
    if op == "<":
        return x < y
    if op == ">":
        return x > y
    if op == "<=":
        return x <= y
    return x >= y


_E48 = 2.0 ** -48


def _approx_equal(a: float, b: float) -> bool:
    """Numbers that agree to about 15 significant digits compare equal (0.1+0.2=0.3 is TRUE), as in Excel and
    LibreOffice (its rtl::math::approxEqual: relative difference below 2^-48)."""
    if a == b:
        return True
    if a == 0 or b == 0:
        return False
    d = abs(a - b)
    return d < abs(a) * _E48 and d < abs(b) * _E48


# ---------------------------------------------------------------------------------------------- functions
def _numbers(args, direct_text_error: bool = True) -> list[float]:
    """Numbers of the arguments: ranges contribute their numbers (text, blanks, booleans skipped);
    direct arguments are converted (text that is not a number is #VALUE!)."""
    out = []
    for a in args:
        if type(a) is Range:
            for v in a.cells():
                if type(v) is XlError:
                    raise v
                if type(v) in (int, float):
                    out.append(v)
        else:
            out.append(num(a) if direct_text_error else a)
    return out


def f_max(*args):
    values = _numbers(args)
    return max(values) if values else 0.0


def f_large(rng, k):
    """The k-th largest number of a range (k = 1: the maximum)."""
    values = sorted(_numbers([rng]), reverse=True)
    k = int(num(k))
    if not 1 <= k <= len(values):
        raise XlError("#NUM!")
    return values[k - 1]


def f_min(*args):
    values = _numbers(args)
    return min(values) if values else 0.0


def f_sum(*args):
    return math.fsum(_numbers(args)) if False else sum(_numbers(args), 0.0)


def f_average(*args):
    values = _numbers(args)
    if not values:
        raise XlError("#DIV/0!")
    return sum(values, 0.0) / len(values)


def f_count(*thunks):
    """Numbers in ranges; direct arguments that are numbers, logical values or numeric text (not errors)."""
    n = 0
    for thunk in thunks:
        try:
            a = thunk()
        except XlError:
            continue
        if type(a) is Range:
            n += sum(1 for v in a.cells() if type(v) in (int, float))
        elif type(a) in (int, float, bool):
            n += 1
        elif type(a) is str:
            try:
                num(a)
                n += 1
            except XlError:
                pass
    return float(n)


def f_percentile(rng, k):
    values = sorted(_numbers([rng]))
    k = num(k)
    if not values or not 0 <= k <= 1:
        raise XlError("#NUM!")
    pos = k * (len(values) - 1)
    lo = int(math.floor(pos))
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (pos - lo) * (values[hi] - values[lo])


def f_round(x, digits=0.0):
    """Half away from zero on the decimal number shown to 15 significant digits, as Excel (and LibreOffice)
    round: ROUND(2.675,2) = 2.68 and ROUND(1.005,2) = 1.01 although the doubles are a hair below the half."""
    x, d = num(x), int(num(digits))
    if x == 0 or not math.isfinite(x):
        return x
    shown = Decimal(f"{x:.15g}")
    if d > 15 - shown.adjusted():  # no digit to round beyond the 15 significant ones
        return float(shown)
    with localcontext() as context:
        context.prec = 400
        rounded = shown.quantize(Decimal(1).scaleb(-d), rounding=ROUND_HALF_UP)
    return float(rounded) or 0.0


def f_mod(a, b):
    x, y = num(a), num(b)
    if y == 0:
        raise XlError("#DIV/0!")
    return x - y * math.floor(x / y)


def f_index(rng, i, j=None):
    """INDEX(reference, row, [column]): row or column 0 is the whole column or row (a reference); a negative
    index is #VALUE!, one beyond the reference #REF!; one index into a single row or column counts along it."""
    if type(rng) is not Range:
        raise Unsupported("INDEX of a value that is not a reference (array form)")
    rows, cols = rng.shape
    i = int(num(i))
    if j is None:
        if rows == 1:
            r, c = 1, i
        elif cols == 1:
            r, c = i, 1
        else:
            r, c = i, 0
    else:
        r, c = i, int(num(j))
    if r < 0 or c < 0:
        raise XlError("#VALUE!")
    if r > rows or c > cols:
        raise XlError("#REF!")
    if r == 0 or c == 0:
        r1, r2 = (rng.r1, rng.r2) if r == 0 else (rng.r1 + r - 1,) * 2
        c1, c2 = (rng.c1, rng.c2) if c == 0 else (rng.c1 + c - 1,) * 2
        return Range(rng.ctx, rng.sheet, r1, c1, r2, c2)
    return _check(rng.ctx.raw(rng.sheet, rng.r1 + r - 1, rng.c1 + c - 1))


def f_match(x, rng, kind=1.0):
    """MATCH: type 0 the first equal value (text ignoring case, wildcards * ? ~); type 1 (ascending data) the
    last value <= x, type -1 (descending data) the last value >= x, among values of x's type; else #N/A.  A blank
    lookup value matches nothing.  On unsorted data Excel's binary search is unspecified: this scans in order."""
    if type(rng) is Range:
        rows, cols = rng.shape
        if rows > 1 and cols > 1:
            raise XlError("#N/A")
        values = rng.cells()
    else:
        values = [rng]
    kind = num(kind)
    x = _scalar(x)
    if x is None:
        raise XlError("#N/A")
    if kind == 0:
        equal = _wildcard(x) if type(x) is str else None
        for k, v in enumerate(values, start=1):
            if type(v) is XlError or v is None:
                continue
            if (equal(v) if equal is not None else (_rank(v) == _rank(x) and compare(v, x, "="))):
                return float(k)
        raise XlError("#N/A")
    best = None
    key = _rank(x)
    if key == 0:  # numbers (the life table's ages): direct comparisons, approximate only at the boundary
        for k, v in enumerate(values, start=1):
            if type(v) is not float and type(v) is not int:
                continue
            if (v <= x if kind > 0 else v >= x) or _approx_equal(v, x):
                best = k
            else:
                break
        values = ()
    for k, v in enumerate(values, start=1):
        if v is None or type(v) is XlError or _rank(v) != key:
            continue
        if (kind > 0 and compare(v, x, "<=")) or (kind < 0 and compare(v, x, ">=")):
            best = k
        else:
            break
    if best is None:
        raise XlError("#N/A")
    return float(best)


def f_choose(k, *options):
    i = int(num(k))
    if not 1 <= i <= len(options):
        raise XlError("#VALUE!")
    return options[i - 1]()


def f_exp(x):
    try:
        return math.exp(num(x))
    except OverflowError:
        raise XlError("#NUM!") from None


def f_ln(x):
    x = num(x)
    if x <= 0:
        raise XlError("#NUM!")
    return math.log(x)


def f_sqrt(x):
    x = num(x)
    if x < 0:
        raise XlError("#NUM!")
    return math.sqrt(x)


def f_norm_s_dist(z, cumulative):
    z = num(z)
    if truth(cumulative):
        return float(special.ndtr(z))
    return math.exp(-z * z / 2) / math.sqrt(2 * math.pi)


def f_norm_s_inv(p):
    p = num(p)
    if not 0 < p < 1:
        raise XlError("#NUM!")
    return float(special.ndtri(p))


def f_beta_inv(p, alpha, beta, lower=0.0, upper=1.0):
    """Excel: #NUM! if probability <= 0 or > 1, alpha or beta <= 0 (LibreOffice returns A at p = 0)."""
    p, a, b, lo, hi = num(p), num(alpha), num(beta), num(lower), num(upper)
    if not 0 < p <= 1 or a <= 0 or b <= 0 or lo >= hi:
        raise XlError("#NUM!")
    return lo + (hi - lo) * float(special.betaincinv(a, b, p))


def f_gamma_inv(p, alpha, beta):
    p, a, b = num(p), num(alpha), num(beta)
    if not 0 <= p < 1 or a <= 0 or b <= 0:
        raise XlError("#NUM!")
    return float(special.gammaincinv(a, p) * b)


def f_norm_inv(p, mean, sd):
    p, m, sd = num(p), num(mean), num(sd)
    if not 0 < p < 1 or sd <= 0:
        raise XlError("#NUM!")
    return float(m + sd * special.ndtri(p))


def f_rand():
    """Volatile: no cached value can stand for it (the workbook has no RAND)."""
    raise Unsupported("RAND() (volatile: no cached value)")


def f_gamma_dist(x, alpha, beta, cumulative):
    x, a, b = num(x), num(alpha), num(beta)
    if x < 0 or a <= 0 or b <= 0:
        raise XlError("#NUM!")
    if truth(cumulative):
        return float(special.gammainc(a, x / b))
    return float(stats.gamma.pdf(x, a, scale=b))


def f_isnumber(thunk):
    try:
        v = _scalar(thunk())
    except XlError:
        return False
    return type(v) in (int, float)


def f_istext(thunk):
    try:
        v = _scalar(thunk())
    except XlError:
        return False
    return type(v) is str


def f_isblank(thunk):
    try:
        v = _scalar(thunk())
    except XlError:
        return False
    return v is None


def f_iserror(thunk):
    try:
        _scalar(thunk())
    except XlError:
        return True
    return False


def f_iferror(thunk, fallback):
    try:
        return _scalar(thunk())
    except XlError:
        return fallback()


def _wildcard(pattern: str) -> Callable[[Any], bool]:
    """Equality with text as COUNTIF / MATCH type 0 / SEARCH read it: case-insensitive, ``*`` any run, ``?`` one
    character, ``~`` escapes the next; matches text cells only."""
    if not re.search(r"[*?~]", pattern):
        low = pattern.lower()
        return lambda v: type(v) is str and v.lower() == low
    regex = re.compile(_wildcard_regex(pattern), re.I | re.S)
    return lambda v: type(v) is str and regex.fullmatch(v) is not None


def _wildcard_regex(pattern: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "~" and i + 1 < len(pattern) and pattern[i + 1] in "*?~":
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        i += 1
    return "".join(out)


def _criterion(criterion: Any) -> Callable[[Any], bool]:
    """SUMIF/COUNTIF criterion: a value, or text such as "<12" / ">=0.5" / "<>x" / "a*".

    The operand after the operator is a number when it reads as one, a logical value for TRUE/FALSE, else text.
    "=" / "<>" with a number or logical value compare cells of that type ("<>" counts every other cell, blanks
    included; a number written in criterion text also matches text cells reading as it: "3" counts "3", as in
    LibreOffice); with text: case-insensitive with wildcards, text cells only ("<>x" counts every other cell);
    "<", ">", "<=", ">=" compare cells of the operand's type only.  "" matches blank cells and empty text, "="
    blank cells only, "<>" every non-blank cell."""
    criterion = _scalar(criterion)
    if criterion is None:
        raise Unsupported("a blank COUNTIF/SUMIF criterion")
    if type(criterion) is str:
        m = re.match(r"^(<=|>=|<>|<|>|=)?(.*)$", criterion, re.S)
        given, operand = m.group(1), m.group(2)
        op = given or "="
        if _NUMERIC_TEXT.fullmatch(operand.strip()):
            target: Any = float(operand)
        elif operand.upper() in ("TRUE", "FALSE"):
            target = operand.upper() == "TRUE"
        else:
            target = operand
    else:
        op, given, target = "=", None, criterion
    if target == "" and type(target) is str:
        if op == "=":
            return (lambda v: v is None) if given else (lambda v: v is None or v == "")
        if op == "<>":
            return lambda v: v is not None
    if op in ("=", "<>"):
        if type(target) is str:
            equal = _wildcard(target)
        elif type(criterion) is str and type(target) is float:
            number = target  # a number written as text also matches text that reads as that number

            def equal(v: Any) -> bool:
                if type(v) is str:
                    s = v.strip()
                    return bool(_NUMERIC_TEXT.fullmatch(s)) and _approx_equal(float(s), number)
                return type(v) in (int, float) and _approx_equal(v, number)
        else:
            kind = _rank(target)

            def equal(v: Any) -> bool:
                return v is not None and type(v) is not XlError and _rank(v) == kind and compare(v, target, "=")
        return equal if op == "=" else (lambda v: not equal(v))
    kind = _rank(target)
    return lambda v: v is not None and type(v) is not XlError and _rank(v) == kind and compare(v, target, op)


def f_sumif(rng, criterion, sum_range=None):
    """The sum range is read from its top-left cell with the criteria range's shape (as Excel resizes it)."""
    test = _criterion(criterion)
    values = rng.cells()
    if sum_range is None:
        sums = values
    else:
        if type(sum_range) is not Range:
            raise XlError("#VALUE!")
        rows, cols = rng.shape
        sums = Range(sum_range.ctx, sum_range.sheet, sum_range.r1, sum_range.c1, sum_range.r1 + rows - 1,
                     sum_range.c1 + cols - 1).cells()
    total = 0.0
    for v, x in zip(values, sums):
        if test(v):
            if type(x) is XlError:
                raise x
            if type(x) in (int, float):
                total += x
    return total


def f_exact(a, b):
    return text(_scalar(a)) == text(_scalar(b))


def f_islogical(thunk):
    try:
        v = _scalar(thunk())
    except XlError:
        return False
    return type(v) is bool


def f_search(needle, haystack, start=1.0):
    """Case-insensitive position of needle in haystack (1-based, wildcards * ? ~); #VALUE! when absent or when
    start is below 1 or beyond the text."""
    within, find, first = text(_scalar(haystack)), text(_scalar(needle)), int(num(start))
    if first < 1 or first > len(within) + (1 if find == "" else 0):
        raise XlError("#VALUE!")
    m = re.compile(_wildcard_regex(find), re.I | re.S).search(within, first - 1)
    if m is None:
        raise XlError("#VALUE!")
    return float(m.start() + 1)


def _logicals(args) -> list[bool]:
    """AND/OR arguments: in references, logical values and numbers count (text and blanks are ignored); direct
    arguments convert (text other than TRUE/FALSE is #VALUE!); none at all is #VALUE!."""
    out = []
    for a in args:
        if type(a) is Range:
            for v in a.cells():
                _check(v)
                if type(v) in (bool, int, float):
                    out.append(bool(v))
        elif a is not None:
            out.append(truth(a))
    if not out:
        raise XlError("#VALUE!")
    return out


def f_and(*args):
    return all(_logicals(args))


def f_or(*args):
    return any(_logicals(args))


def f_not(a):
    return not truth(_scalar(a))


def f_abs(x):
    return abs(num(x))


def f_na():
    raise XlError("#N/A")


def f_trim(x):
    return " ".join(text(_scalar(x)).split(" ")).strip() if False else re.sub(" +", " ", text(_scalar(x)).strip())


def f_len(x):
    return float(len(text(_scalar(x))))


def f_sumproduct(*ranges):
    """Sum of the products of corresponding entries (ranges of one shape, else #VALUE!); entries that are not
    numbers count as 0."""
    if len({r.shape if type(r) is Range else (1, 1) for r in ranges}) != 1:
        raise XlError("#VALUE!")
    lists = [r.cells() if type(r) is Range else [r] for r in ranges]
    total = 0.0
    for values in zip(*lists):
        product = 1.0
        for v in values:
            _check(v)
            product *= v if type(v) in (int, float) else 0.0
        total += product
    return total


def f_countif(rng, criterion):
    """Cells meeting the criterion (a value, or text such as "<12", as SUMIF)."""
    test = _criterion(criterion)
    return float(sum(1 for v in rng.cells() if test(v)))


def f_countifs(*pairs):
    """Cells meeting every criterion: COUNTIFS(range1, criterion1, range2, criterion2, …), the ranges of equal
    shape, each criterion as COUNTIF's; a cell counts when it meets its range's criterion in every pair."""
    if not pairs or len(pairs) % 2:
        raise XlError("#VALUE!")
    ranges = [r.cells() if type(r) is Range else [_check(r)] for r in pairs[0::2]]
    shapes = {r.shape if type(r) is Range else (1, 1) for r in pairs[0::2]}
    if len(shapes) != 1:
        raise XlError("#VALUE!")
    tests = [_criterion(c) for c in pairs[1::2]]
    return float(sum(1 for values in zip(*ranges) if all(test(v) for test, v in zip(tests, values))))


def f_text(x, pattern):
    """TEXT for the number formats the sheets use: [#,##]0[.000…] (thousands separators, fixed decimals)."""
    pattern = text(_scalar(pattern))
    m = re.fullmatch(r"(#,##)?0(?:\.(0+))?", pattern)
    if m is None:
        raise Unsupported(f"TEXT format {pattern!r}")
    decimals = len(m.group(2) or "")
    value = f_round(x, decimals)
    return f"{value:{',' if m.group(1) else ''}.{decimals}f}"


# lazy functions receive thunks (callables) for the arguments named in LAZY
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "ABS": f_abs, "AND": f_and, "EXACT": f_exact, "ISLOGICAL": f_islogical, "SEARCH": f_search, "AVERAGE": f_average, "CHOOSE": f_choose, "COUNT": f_count,
    "COUNTIF": f_countif, "COUNTIFS": f_countifs, "EXP": f_exp, "IFERROR": f_iferror, "INDEX": f_index, "LARGE": f_large, "ISBLANK": f_isblank,
    "ISERROR": f_iserror, "ISNUMBER": f_isnumber, "ISTEXT": f_istext, "LEN": f_len, "LN": f_ln, "MATCH": f_match,
    "MAX": f_max, "MIN": f_min, "MOD": f_mod, "NA": f_na, "NOT": f_not, "OR": f_or, "PERCENTILE": f_percentile,
    "ROUND": f_round, "SQRT": f_sqrt, "SUM": f_sum, "SUMIF": f_sumif, "SUMPRODUCT": f_sumproduct, "TEXT": f_text, "TRIM": f_trim,
    "_XLFN.NORM.S.DIST": f_norm_s_dist, "_XLFN.NORM.S.INV": f_norm_s_inv, "_XLFN.GAMMA.DIST": f_gamma_dist,
    "_XLFN.BETA.INV": f_beta_inv, "_XLFN.GAMMA.INV": f_gamma_inv, "_XLFN.NORM.INV": f_norm_inv, "RAND": f_rand,
    "_XLFN.PERCENTILE.INC": f_percentile,
}
LAZY = {"IFERROR": "all", "ISLOGICAL": "all", "ISNUMBER": "all", "ISTEXT": "all", "ISBLANK": "all", "ISERROR": "all",
        "CHOOSE": "rest", "COUNT": "all"}
# functions for which a reference is not its value: a one-cell reference argument stays a range (text and
# blanks in it are skipped, as in a longer range: SUM(A1) is 0 where A1 holds text, MAX(A1,-5) is -5 where blank);
# "cell": a number in the cell is passed as the number (the same to these functions, and much quicker)
REFERENCE_ARGS = {"COUNTIF": "range", "INDEX": "range", "MATCH": "range", "SUMIF": "range",
                  **dict.fromkeys(("AVERAGE", "AND", "COUNT", "LARGE", "MAX", "MIN", "OR", "PERCENTILE",
                                   "_XLFN.PERCENTILE.INC", "SUM", "SUMPRODUCT"), "cell")}


# ---------------------------------------------------------------------------------------------- parsing
_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<string>"(?:[^"]|"")*")
  | (?P<ref>(?:(?P<sheet>'(?:[^']|'')+'|[A-Za-z_][A-Za-z0-9_.]*)!)?
        \$?[A-Z]{1,3}\$?[0-9]+(?::\$?[A-Z]{1,3}\$?[0-9]+)?(?![A-Za-z0-9_.(]))
  | (?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<func>[A-Za-z_][A-Za-z0-9_.]*(?=\())
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<op><>|<=|>=|[-+*/^&=<>(),%])
""", re.X)
_CELL = re.compile(r"(\$?)([A-Z]{1,3})(\$?)([0-9]+)")


def tokenize(formula: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(formula):
        m = _TOKEN.match(formula, pos)
        if m is None:
            raise ValueError(f"cannot read formula at {formula[pos:pos + 20]!r}: {formula!r}")
        pos = m.end()
        kind = m.lastgroup if m.lastgroup != "sheet" else "ref"
        if m.group("ref") is not None:
            kind = "ref"
        if kind != "ws":
            out.append((kind, m.group(0)))
    return out


_BINARY = {"=": 1, "<>": 1, "<": 1, ">": 1, "<=": 1, ">=": 1, "&": 2, "+": 3, "-": 3, "*": 4, "/": 4, "^": 5}


_OPERATORS = {"+": add, "-": sub, "*": mul, "/": div, "^": power, "&": concat}


def _const(value: Any) -> Callable[[int], Any]:
    return lambda R: value


class _Parser:
    """Recursive descent to nested Python closures f(R) (R = the row the formula is evaluated for)."""

    def __init__(self, tokens, compiler: "Evaluator", sheet: int, row: int) -> None:
        self.tokens, self.i, self.c, self.sheet, self.row = tokens, 0, compiler, sheet, row

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None)

    def take(self, value: str | None = None):
        tok = self.peek()
        if value is not None and tok[1] != value:
            raise ValueError(f"expected {value!r}, got {tok[1]!r}")
        self.i += 1
        return tok

    def expression(self, min_prec: int = 1) -> Callable[[int], Any]:
        left = self.unary()
        while True:
            kind, op = self.peek()
            if kind != "op" or op not in _BINARY or _BINARY[op] < min_prec:
                return left
            self.take()
            right = self.expression(_BINARY[op] + 1)  # all left-associative (Excel's ^ too)
            left = self._binary(op, left, right)

    @staticmethod
    def _binary(op: str, a, b):
        fn = _OPERATORS.get(op)
        if fn is not None:
            return lambda R: fn(a(R), b(R))
        return lambda R: compare(a(R), b(R), op)

    def unary(self):
        kind, value = self.peek()
        if kind == "op" and value in ("-", "+"):
            self.take()
            operand = self.unary()
            return (lambda R: neg(operand(R))) if value == "-" else operand  # unary plus: the operand unchanged
        operand = self.primary()
        kind, value = self.peek()
        if kind == "op" and value == "%":
            self.take()
            return lambda R: div(operand(R), 100.0)
        return operand

    def primary(self):
        kind, value = self.take()
        if kind == "number":
            return _const(float(value))
        if kind == "string":
            return _const(value[1:-1].replace('""', '"'))
        if kind == "ref":
            return self.c.compile_ref(value, self.sheet, self.row)
        if kind == "name":
            up = value.upper()
            if up in ("TRUE", "FALSE"):
                return _const(up == "TRUE")
            return self.c.compile_name(value)
        if kind == "func":
            return self.call(value)
        if kind == "op" and value == "(":
            inner = self.expression()
            self.take(")")
            return inner
        raise ValueError(f"unexpected {value!r}")

    def call(self, name: str):
        up = name.upper()
        self.take("(")
        args: list[Callable[[int], Any]] = []
        references = REFERENCE_ARGS.get(up)
        if self.peek()[1] != ")":
            while True:
                if self.peek()[1] in (",", ")"):
                    args.append(_const(None))  # empty argument
                elif references and self.peek()[0] in ("ref", "name") and self.i + 1 < len(self.tokens) \
                        and self.tokens[self.i + 1][1] in (",", ")") \
                        and self.peek()[1].upper() not in ("TRUE", "FALSE"):
                    kind, value = self.take()
                    args.append(self.c.compile_ref(value, self.sheet, self.row, as_range=references) if kind == "ref"
                                else self.c.compile_name(value, as_range=references))
                else:
                    args.append(self.expression())
                if self.peek()[1] == ",":
                    self.take()
                    continue
                break
        self.take(")")
        if up == "IF":
            cond = args[0]
            yes = args[1] if len(args) > 1 else _const(True)
            no = args[2] if len(args) > 2 else _const(False)
            return lambda R: yes(R) if truth(_scalar(cond(R))) else no(R)
        if up not in FUNCTIONS:
            raise ValueError(f"function {name} is not known to the workbook evaluator")
        fn, lazy = FUNCTIONS[up], LAZY.get(up)
        if lazy == "all":
            return lambda R: fn(*[(lambda a=a: a(R)) for a in args])
        if lazy == "rest":
            first, rest = args[0], args[1:]
            return lambda R: fn(first(R), *[(lambda a=a: a(R)) for a in rest])
        return lambda R: fn(*[a(R) for a in args])


class Evaluator:
    """Computes every formula of a Book: ``run()`` fills ``values`` {(sheet title, row, col): value}."""

    def __init__(self, book: Book) -> None:
        self.book = book
        self.titles = list(book.sheets)
        self.index = {t.lower(): i for i, t in enumerate(self.titles)}
        self.cells = [book.sheets[t].cells for t in self.titles]
        self.values: list[dict[tuple[int, int], Any]] = [{} for _ in self.titles]
        self.compiled: dict[tuple[int, Any], Callable] = {}
        self.names: dict[str, str] = {}
        self.compiled_names: dict[str, Callable] = {}
        for name, target in book.defined.items():
            self.names[name.lower()] = target

    # ------------------------------------------------------------------ references
    def _sheet_index(self, sheet: str | None, own: int) -> int:
        if sheet is None:
            return own
        if sheet.startswith("'"):
            sheet = sheet[1:-1].replace("''", "'")
        try:
            return self.index[sheet.lower()]
        except KeyError:
            raise ValueError(f"formula refers to a missing sheet {sheet!r}") from None

    def compile_ref(self, token: str, own: int, row: int | None, as_range: str | None = None) -> Callable[[int], Any]:
        """A cell or range reference; relative rows become offsets from R (row None: all absolute); a cell as a
        one-cell range with ``as_range`` "range", or as "cell": its number, else a one-cell range."""
        sheet, _, ref = token.rpartition("!")
        si = self._sheet_index(sheet or None, own)
        parts = []
        for piece in ref.split(":"):
            m = _CELL.fullmatch(piece)
            _, letters, row_abs, digits = m.groups()
            r = int(digits)
            parts.append((r, bool(row_abs) or row is None, column_index(letters)))
        value, rng = self.value, self.range
        if len(parts) == 1 and as_range == "cell":
            (r, absolute, c), = parts
            raw, k = self.raw, (0 if absolute else r - row)

            def cell(R: int) -> Any:
                at = r if absolute else R + k
                v = raw(si, at, c)
                return v if type(v) is float or type(v) is int else rng(si, at, c, at, c)
            return cell
        if len(parts) == 1 and as_range:
            parts = parts * 2
        if len(parts) == 1:
            (r, absolute, c), = parts
            if absolute:
                return lambda R: value(si, r, c)
            k = r - row
            return lambda R: value(si, R + k, c)
        (r1, a1, c1), (r2, a2, c2) = parts
        k1, k2 = (0 if a1 else r1 - row), (0 if a2 else r2 - row)
        return lambda R: rng(si, r1 if a1 else R + k1, c1, r2 if a2 else R + k2, c2)

    def compile_name(self, name: str, as_range: str | None = None) -> Callable[[int], Any]:
        """A defined name: an absolute reference, compiled once per name (formulas use the same names often)."""
        key = (name.lower(), as_range)
        fn = self.compiled_names.get(key)
        if fn is None:
            target = self.names.get(key[0])
            if target is None:
                fn = lambda R: _raise_name()  # noqa: E731
            else:
                tokens = tokenize(target)
                if len(tokens) != 1 or tokens[0][0] != "ref":
                    raise ValueError(f"defined name {name} is not a reference: {target}")
                fn = self.compile_ref(tokens[0][1], 0, None, as_range)
            self.compiled_names[key] = fn
        return fn

    # ------------------------------------------------------------------ values
    def raw(self, si: int, r: int, c: int) -> Any:
        values = self.values[si]
        try:
            return values[(r, c)]
        except KeyError:
            return self._compute(si, r, c)

    def value(self, si: int, r: int, c: int) -> Any:
        v = self.raw(si, r, c)
        if type(v) is XlError:
            raise v
        return v

    def range(self, si: int, r1: int, c1: int, r2: int, c2: int) -> Range:
        return Range(self, si, min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))

    def _compute(self, si: int, r: int, c: int) -> Any:
        cell = self.cells[si].get((r, c))
        if cell is None:
            v = None
        elif cell.formula is None:
            v = cell.value
        else:
            fn = self.function(si, r, cell)
            try:
                v = fn(r)
                if type(v) is Range:
                    if v.shape != (1, 1):
                        raise Unsupported(f"a range as a cell's value (implicit intersection or spilling) in "
                                          f"{cell.formula!r}")
                    v = _scalar(v)
                if v is None:  # a formula showing an empty cell shows 0
                    v = 0.0
                elif type(v) is float and not math.isfinite(v):
                    v = XlError("#NUM!")
            except XlError as error:
                v = error
            except ZeroDivisionError:
                v = XlError("#DIV/0!")
            except Unsupported:
                raise
            except (OverflowError, ValueError) as error:
                if isinstance(error, ValueError) and "formula" in str(error):
                    raise
                v = XlError("#NUM!")
        self.values[si][(r, c)] = v
        return v

    def function(self, si: int, row: int, cell: Cell) -> Callable[[int], Any]:
        template = cell.template
        if template is None:
            template = cell.template = _template_key(cell.formula, row)
        key = (si, template)
        fn = self.compiled.get(key)
        if fn is None:
            formula = cell.formula
            parser = _Parser(tokenize(formula), self, si, row)
            fn = parser.expression()
            if parser.i != len(parser.tokens):
                raise ValueError(f"formula has unbalanced parentheses or trailing text: {formula!r}")
            self.compiled[key] = fn
        return fn

    def run(self) -> dict[tuple[str, int, int], Any]:
        """Evaluate every cell (in a thread with a deep stack: long recurrences may recurse)."""
        error: list[BaseException] = []

        def work() -> None:
            try:
                for si, cells in enumerate(self.cells):
                    done = self.values[si]
                    for key in sorted(cells):  # row by row: (row, column) tuples sort row-major
                        if cells[key].formula is not None and key not in done:
                            self._compute(si, *key)
            except BaseException as exc:  # noqa: BLE001 (re-raised in the caller's thread)
                error.append(exc)

        limit = sys.getrecursionlimit()
        size = threading.stack_size()
        try:
            sys.setrecursionlimit(max(limit, 200_000))
            threading.stack_size(512 * 1024 * 1024)
            with cyclic_gc_paused():  # a third of the evaluation time otherwise, for nothing to collect
                thread = threading.Thread(target=work)
                thread.start()
                thread.join()
                if error:
                    raise error[0]
                return {(self.titles[si], r, c): v for si, values in enumerate(self.values)
                        for (r, c), v in values.items()}
        finally:
            threading.stack_size(size)
            sys.setrecursionlimit(limit)


def _raise_name():
    raise XlError("#NAME?")


_REL = re.compile(r"""("(?:[^"]|"")*")|((?:'(?:[^']|'')+'!)?)(\$?[A-Z]{1,3})(\$?)([0-9]+)(?![A-Za-z0-9_.(])""")


_DIGITS = re.compile(r"[0-9]+")
_DIGIT_RUNS = re.compile(r"([0-9]+)")
_RELATIVE_RUNS: dict[str, tuple[bool, ...]] = {}  # formula skeleton -> which of its digit runs are relative rows


def _relative_runs(formula: str) -> tuple[bool, ...]:
    """For each run of digits in the formula: is it the row number of a relative reference?"""
    relative = set()
    for m in _REL.finditer(formula):
        if m.group(1) is not None or m.group(4):  # a string, or an absolute ($) row
            continue
        start = m.start(3)
        if start > 0 and (formula[start - 1].isalnum() or formula[start - 1] in "_."):  # inside a longer name
            continue
        relative.add(m.start(5))
    return tuple(m.start() in relative for m in _DIGITS.finditer(formula))


def _template_key(formula: str, row: int) -> Any:
    """Cache key of a formula: equal for formulas that differ only in relative row numbers by the same offset
    from their own rows (every row of a trace column).  Which digit runs are relative rows depends only on the
    formula with its digit runs blanked out (its skeleton), so that is worked out once per skeleton."""
    parts = _DIGIT_RUNS.split(formula)  # text, digits, text, ...: one pass for the skeleton and the digit runs
    skeleton = "\0".join(parts[::2])
    flags = _RELATIVE_RUNS.get(skeleton)
    if flags is None:
        flags = _RELATIVE_RUNS[skeleton] = _relative_runs(formula)
    if True not in flags:
        return formula
    return (skeleton, *[int(d) - row if relative else d for d, relative in zip(parts[1::2], flags)])


def evaluate_book(book: Book) -> dict[tuple[str, int, int], Any]:
    """{(sheet, row, col): value} for every formula and constant cell reached."""
    return Evaluator(book).run()


def evaluate_formula(book: Book, sheet: str, row: int, col: int) -> Any:
    """Value of one cell (tests: check a formula without LibreOffice)."""
    ev = Evaluator(book)
    si = ev.index[sheet.lower()]
    return ev.raw(si, row, col)


def set_inputs(book: Book, changes: dict[str, Any]) -> None:
    """Type values into named input cells of a Book (as a payer would in the workbook), keeping each cell's
    style; numbers, booleans, text or None (blank)."""
    for name, value in changes.items():
        target = book.defined.get(name)
        if target is None:
            raise KeyError(f"no defined name {name!r}")
        sheet, _, ref = target.rpartition("!")
        sheet = sheet[1:-1].replace("''", "'") if sheet.startswith("'") else sheet
        m = _CELL.fullmatch(ref)
        if m is None:
            raise KeyError(f"{name} is a range, not an input cell")
        row, col = int(m.group(4)), column_index(m.group(2))
        ws = book.sheets[sheet]
        old = ws.get(row, col)
        cell = ws.put(row, col, value)
        cell.style = old.style if old is not None else ()
