"""A small evaluator of the workbook's own formulas: the cached values stored with every formula.

It understands the Excel subset the sheet writers use (arithmetic, comparisons, ``&``, references,
ranges and defined names, and the functions in ``FUNCTIONS``) with Excel's semantics where they
matter: unary minus binds tighter than ``^``; blanks are 0 in arithmetic; text in arithmetic is
#VALUE!; text comparisons ignore case; errors propagate until IFERROR / ISNUMBER / ISERROR; ROUND
rounds half away from zero.  An unknown function is a programming error (``ValueError``), never a
silent blank.

Formulas that differ only in relative row numbers (every row of a trace column) share one compiled
function (nested closures, no eval): relative rows become offsets from the formula's own row.
"""

from __future__ import annotations

import math
import re
import sys
import threading
from typing import Any, Callable

from scipy import special, stats

from cea.workbook.core import Book, column_index

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
        try:
            return float(v.strip()) if v.strip() else _raise("#VALUE!")
        except ValueError:
            raise XlError("#VALUE!") from None
    if t is Range:
        rows, cols = v.shape
        if rows == 1 and cols == 1:
            return num(_check(v.cells()[0]))
        raise XlError("#VALUE!")
    if t is XlError:
        raise v
    raise XlError("#VALUE!")


def _raise(code: str):
    raise XlError(code)


def _check(v: Any) -> Any:
    if type(v) is XlError:
        raise v
    return v


def truth(v: Any) -> bool:
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
    return f"{f:.15g}"


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


def f_count(*args):
    n = 0
    for a in args:
        if type(a) is Range:
            n += sum(1 for v in a.cells() if type(v) in (int, float))
        elif type(a) in (int, float):
            n += 1
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
    x, d = num(x), int(num(digits))
    scale = 10.0 ** d
    # Excel rounds half away from zero; repr-based correction for binary representation (e.g. 2.675)
    y = abs(x) * scale
    r = math.floor(y + 0.5)
    if abs(y + 0.5 - r) < 1e-9 * max(1.0, y):  # exactly .5 within floating noise: away from zero
        r = math.floor(y + 0.5 + 1e-9)
    return math.copysign(r / scale, x) if r else 0.0


def f_mod(a, b):
    x, y = num(a), num(b)
    if y == 0:
        raise XlError("#DIV/0!")
    return x - y * math.floor(x / y)


def f_index(rng, i, j=None):
    if type(rng) is not Range:
        raise XlError("#VALUE!")
    rows, cols = rng.shape
    i = int(num(i))
    if j is None:
        if rows == 1:
            r, c = 1, i
        elif cols == 1:
            r, c = i, 1
        else:
            raise XlError("#REF!")
    else:
        r, c = i, int(num(j))
    if not (1 <= r <= rows and 1 <= c <= cols):
        raise XlError("#REF!")
    return _check(rng.ctx.raw(rng.sheet, rng.r1 + r - 1, rng.c1 + c - 1))


def f_match(x, rng, kind=1.0):
    values = rng.cells() if type(rng) is Range else [rng]
    kind = num(kind)
    x = _scalar(x)
    if kind == 0:
        for k, v in enumerate(values, start=1):
            if v is not None and type(v) is not XlError and compare(v, x, "="):
                return float(k)
        raise XlError("#N/A")
    best = None
    xv = num(x) if type(x) is not str else x
    for k, v in enumerate(values, start=1):
        if type(v) not in (int, float) or type(xv) is str:
            continue
        if (kind > 0 and v <= xv) or (kind < 0 and v >= xv):
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


def f_beta_inv(p, alpha, beta):
    p, a, b = num(p), num(alpha), num(beta)
    if not 0 <= p <= 1 or a <= 0 or b <= 0:
        raise XlError("#NUM!")
    return float(special.betaincinv(a, b, p))


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
    """Volatile: the workbook uses it only for fresh PSA draws, never in a cached value."""
    raise ValueError("RAND() has no cached value: the workbook must not evaluate it at export")


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


def _criterion(criterion: Any) -> Callable[[Any], bool]:
    """SUMIF/COUNTIF criterion: a value, or text such as "<12" / ">=0.5" / "<>x"."""
    criterion = _scalar(criterion)
    if type(criterion) is str:
        m = re.match(r"^(<=|>=|<>|<|>|=)?(.*)$", criterion, re.S)
        op, operand = m.group(1) or "=", m.group(2)
        try:
            target: Any = float(operand)
        except ValueError:
            target = operand
    else:
        op, target = "=", criterion
    numeric = type(target) in (int, float, bool)

    def test(v: Any) -> bool:
        if v is None or type(v) is XlError:
            return False
        if numeric and type(v) not in (int, float):
            return op == "<>"
        return compare(v, target, op)

    return test


def f_sumif(rng, criterion, sum_range=None):
    test = _criterion(criterion)
    values = rng.cells()
    sums = sum_range.cells() if sum_range is not None else values
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
    """Case-insensitive position of needle in haystack (1-based); #VALUE! when absent."""
    position = text(_scalar(haystack)).lower().find(text(_scalar(needle)).lower(), int(num(start)) - 1)
    if position < 0:
        raise XlError("#VALUE!")
    return float(position + 1)


def f_and(*args):
    values = [v for a in args for v in (a.cells() if type(a) is Range else [a])]
    return all(truth(_check(v)) for v in values if v is not None)


def f_or(*args):
    values = [v for a in args for v in (a.cells() if type(a) is Range else [a])]
    return any(truth(_check(v)) for v in values if v is not None)


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
    lists = [r.cells() if type(r) is Range else [r] for r in ranges]
    if len({len(x) for x in lists}) != 1:
        raise XlError("#VALUE!")
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
        raise ValueError(f"TEXT format {pattern!r} is not known to the workbook evaluator")
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
        "CHOOSE": "rest"}


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
            return (lambda R: neg(operand(R))) if value == "-" else (lambda R: num(operand(R)))
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
        if self.peek()[1] != ")":
            while True:
                if self.peek()[1] in (",", ")"):
                    args.append(_const(None))  # empty argument
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

    def compile_ref(self, token: str, own: int, row: int | None) -> Callable[[int], Any]:
        """A cell or range reference; relative rows become offsets from R (row None: all absolute)."""
        sheet, _, ref = token.rpartition("!")
        si = self._sheet_index(sheet or None, own)
        parts = []
        for piece in ref.split(":"):
            m = _CELL.fullmatch(piece)
            _, letters, row_abs, digits = m.groups()
            r = int(digits)
            parts.append((r, bool(row_abs) or row is None, column_index(letters)))
        value, rng = self.value, self.range
        if len(parts) == 1:
            (r, absolute, c), = parts
            if absolute:
                return lambda R: value(si, r, c)
            k = r - row
            return lambda R: value(si, R + k, c)
        (r1, a1, c1), (r2, a2, c2) = parts
        k1, k2 = (0 if a1 else r1 - row), (0 if a2 else r2 - row)
        return lambda R: rng(si, r1 if a1 else R + k1, c1, r2 if a2 else R + k2, c2)

    def compile_name(self, name: str) -> Callable[[int], Any]:
        """A defined name: an absolute reference, compiled once per name (formulas use the same names often)."""
        key = name.lower()
        fn = self.compiled_names.get(key)
        if fn is None:
            target = self.names.get(key)
            if target is None:
                fn = lambda R: _raise_name()  # noqa: E731
            else:
                tokens = tokenize(target)
                if len(tokens) != 1 or tokens[0][0] != "ref":
                    raise ValueError(f"defined name {name} is not a reference: {target}")
                fn = self.compile_ref(tokens[0][1], 0, None)
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
            fn = self.function(si, r, cell.formula)
            try:
                v = fn(r)
                if type(v) is Range:
                    v = _scalar(v)
                if type(v) is float and not math.isfinite(v):
                    v = XlError("#NUM!")
            except XlError as error:
                v = error
            except ZeroDivisionError:
                v = XlError("#DIV/0!")
            except (OverflowError, ValueError) as error:
                if isinstance(error, ValueError) and "formula" in str(error):
                    raise
                v = XlError("#NUM!")
        self.values[si][(r, c)] = v
        return v

    def function(self, si: int, row: int, formula: str) -> Callable[[int], Any]:
        key = (si, _template_key(formula, row))
        fn = self.compiled.get(key)
        if fn is None:
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
                    for (r, c), cell in sorted(cells.items(), key=row_major):
                        if cell.formula is not None and (r, c) not in self.values[si]:
                            self._compute(si, r, c)
            except BaseException as exc:  # noqa: BLE001 (re-raised in the caller's thread)
                error.append(exc)

        limit = sys.getrecursionlimit()
        size = threading.stack_size()
        try:
            sys.setrecursionlimit(max(limit, 200_000))
            threading.stack_size(512 * 1024 * 1024)
            thread = threading.Thread(target=work)
            thread.start()
            thread.join()
        finally:
            threading.stack_size(size)
            sys.setrecursionlimit(limit)
        if error:
            raise error[0]
        return {(self.titles[si], r, c): v for si, values in enumerate(self.values) for (r, c), v in values.items()}


def row_major(item: tuple[tuple[int, int], Any]) -> int:
    """Sort key of a (cell, value) item: row by row, as one integer (Excel has 16,384 columns)."""
    (row, col), _ = item
    return row * 16_384 + col


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
