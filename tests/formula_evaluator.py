"""A small evaluator of the payer workbook's Excel formulas, in Python, for tests that run without
LibreOffice.

It reads the formulas openpyxl loads (text such as ``=(1+discount_rate_outcomes)^(-1*B11)``) and
computes them with Excel's rules: operator precedence (unary minus binds tighter than ``^``, so
``-2^2`` is 4; ``^`` is left-associative), defined names, sheet-qualified references and ranges, and
the functions the workbook uses (IF, IFERROR, AND, OR, EXP, LN, MIN, MAX, MOD, CHOOSE, SUM, SUMIF,
INDEX, MATCH, ISNUMBER, ROUND, ABS).  Anything else raises, so a formula it cannot read fails the test
instead of being skipped.  Values are memoised per cell; :meth:`Evaluator.warm` evaluates a sheet row
by row so that long chains (a trace's row k uses row k − 1) never recurse deeply.
"""

from __future__ import annotations

import math
import re
from typing import Any, Callable

from openpyxl.utils import column_index_from_string, get_column_letter

TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<string>"(?:[^"]|"")*")
  | (?P<ref>(?:'(?:[^']|'')+'|[A-Za-z_][\w.]*)!\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?
           |\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?(?![\w.(]))
  | (?P<number>\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<func>[A-Za-z_][\w.]*(?=\())
  | (?P<name>[A-Za-z_][\w.]*)
  | (?P<op><>|<=|>=|[-+*/^&=<>(),:%])
""", re.VERBOSE)


class FormulaError(ValueError):
    """An Excel error value (#DIV/0!, #NUM!, #N/A, #VALUE!) or a formula this evaluator cannot read."""


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if not match:
            raise FormulaError(f"cannot read formula at {text[pos:pos + 20]!r} in {text!r}")
        pos = match.end()
        if match.lastgroup != "ws":
            out.append((match.lastgroup, match.group()))
    return out


class Evaluator:
    def __init__(self, workbook):
        self.workbook = workbook
        self.cache: dict[tuple[str, str], Any] = {}
        self.names = {}
        for name, defined in workbook.defined_names.items():
            (sheet, ref), = defined.destinations
            self.names[name.lower()] = (sheet, ref.replace("$", ""))

    # ------------------------------------------------------------------ cells
    def value(self, sheet: str, coordinate: str) -> Any:
        key = (sheet, coordinate)
        if key not in self.cache:
            raw = self.workbook[sheet][coordinate].value
            if isinstance(raw, str) and raw.startswith("="):
                try:
                    self.cache[key] = self._evaluate(raw[1:], sheet)
                except FormulaError as error:
                    self.cache[key] = error
            else:
                self.cache[key] = raw
        value = self.cache[key]
        if isinstance(value, FormulaError):
            raise value
        return value

    def warm(self, sheet: str) -> None:
        """Evaluate every formula of ``sheet`` in reading order (keeps recursion shallow)."""
        for row in self.workbook[sheet].iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    try:
                        self.value(sheet, cell.coordinate)
                    except FormulaError:
                        pass

    def _range(self, sheet: str, ref: str) -> list[list[Any]]:
        first, _, last = ref.replace("$", "").partition(":")
        last = last or first
        c1, r1 = re.match(r"([A-Z]+)(\d+)", first).groups()
        c2, r2 = re.match(r"([A-Z]+)(\d+)", last).groups()
        cols = range(column_index_from_string(c1), column_index_from_string(c2) + 1)
        return [[self.value(sheet, f"{get_column_letter(c)}{r}") for c in cols] for r in range(int(r1), int(r2) + 1)]

    def _reference(self, text: str, sheet: str) -> Any:
        if "!" in text:
            sheet, _, text = text.rpartition("!")
            sheet = sheet.strip("'").replace("''", "'")
        if ":" in text:
            return RangeValue(self._range(sheet, text))
        return self.value(sheet, text.replace("$", ""))

    # ------------------------------------------------------------------ parsing
    def _evaluate(self, formula: str, sheet: str) -> Any:
        parser = _Parser(_tokens(formula), self, sheet)
        result = parser.comparison()()
        if parser.pos != len(parser.tokens):
            raise FormulaError(f"unexpected {parser.tokens[parser.pos]} in {formula!r}")
        return result


class RangeValue:
    def __init__(self, rows: list[list[Any]]):
        self.rows = rows

    def flat(self) -> list[Any]:
        return [v for row in self.rows for v in row]


def _number(value: Any) -> float:
    if isinstance(value, bool):
        return float(value)
    if value is None:
        return 0.0
    if isinstance(value, (int, float)):
        return float(value)
    raise FormulaError(f"#VALUE!: {value!r} is not a number")


def _compare(op: str, a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        a, b = a.lower(), b.lower()
    elif isinstance(a, str) or isinstance(b, str):
        return op == "<>"
    else:
        a, b = _number(a), _number(b)
    return {"=": a == b, "<>": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]


def _safe(fn: Callable[[], Any]) -> Any:
    try:
        value = fn()
    except FormulaError:
        raise
    except (ZeroDivisionError, OverflowError, ValueError) as error:
        raise FormulaError(f"#NUM!/#DIV/0!: {error}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise FormulaError("#NUM!")
    return value


class _Parser:
    """Recursive descent over the tokens; each rule returns a thunk (so IF and IFERROR stay lazy)."""

    def __init__(self, tokens, evaluator: Evaluator, sheet: str):
        self.tokens, self.pos, self.ev, self.sheet = tokens, 0, evaluator, sheet

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, text: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (text is not None and token[1] != text):
            raise FormulaError(f"expected {text!r}, got {token}")
        self.pos += 1
        return token

    def comparison(self):
        left = self.concat()
        while self.peek() and self.peek()[1] in ("=", "<>", "<", ">", "<=", ">="):
            op = self.take()[1]
            right = self.concat()
            left = (lambda l, r, o: lambda: _compare(o, l(), r()))(left, right, op)
        return left

    def concat(self):
        left = self.additive()
        while self.peek() and self.peek()[1] == "&":
            self.take()
            right = self.additive()
            left = (lambda l, r: lambda: f"{l()}{r()}")(left, right)
        return left

    def additive(self):
        left = self.term()
        while self.peek() and self.peek()[1] in ("+", "-"):
            op = self.take()[1]
            right = self.term()
            left = (lambda l, r, o: lambda: _safe(lambda: _number(l()) + _number(r()) if o == "+"
                                                  else _number(l()) - _number(r())))(left, right, op)
        return left

    def term(self):
        left = self.power()
        while self.peek() and self.peek()[1] in ("*", "/"):
            op = self.take()[1]
            right = self.power()
            left = (lambda l, r, o: lambda: _safe(lambda: _number(l()) * _number(r()) if o == "*"
                                                  else _number(l()) / _number(r())))(left, right, op)
        return left

    def power(self):
        left = self.unary()
        while self.peek() and self.peek()[1] == "^":  # left-associative, like Excel
            self.take()
            right = self.unary()
            left = (lambda l, r: lambda: _safe(lambda: _number(l()) ** _number(r())))(left, right)
        return left

    def unary(self):
        if self.peek() and self.peek()[1] in ("-", "+"):
            op = self.take()[1]
            operand = self.unary()  # binds tighter than ^: -2^2 = (-2)^2
            return (lambda x: lambda: -_number(x()))(operand) if op == "-" else operand
        return self.primary()

    def primary(self):
        kind, text = self.take()
        if kind == "number":
            return lambda v=float(text): v
        if kind == "string":
            return lambda v=text[1:-1].replace('""', '"'): v
        if kind == "op" and text == "(":
            inner = self.comparison()
            self.take(")")
            return inner
        if kind == "ref":
            return lambda t=text: self.ev._reference(t, self.sheet)
        if kind == "func":
            return self.function(text.upper().removeprefix("_XLFN."))
        if kind == "name":
            upper = text.upper()
            if upper in ("TRUE", "FALSE"):
                return lambda v=upper == "TRUE": v
            if text.lower() not in self.ev.names:
                raise FormulaError(f"#NAME?: {text}")
            sheet, ref = self.ev.names[text.lower()]
            return lambda s=sheet, r=ref: self.ev._reference(f"'{s}'!{r}", s)
        raise FormulaError(f"unexpected {text!r}")

    def function(self, name: str):
        self.take("(")
        args = []
        if self.peek() and self.peek()[1] != ")":
            args.append(self.comparison())
            while self.peek() and self.peek()[1] == ",":
                self.take()
                args.append(self.comparison())
        self.take(")")
        return lambda: _call(name, args)


def _flat(values) -> list[Any]:
    out = []
    for v in values:
        out += v.flat() if isinstance(v, RangeValue) else [v]
    return out


def _call(name: str, args: list[Callable[[], Any]]) -> Any:
    if name == "IF":
        condition = args[0]()
        if isinstance(condition, str):
            raise FormulaError("#VALUE!: text as a condition")
        return args[1]() if condition else (args[2]() if len(args) > 2 else False)
    if name == "IFERROR":
        try:
            return args[0]()
        except FormulaError:
            return args[1]()
    if name == "CHOOSE":
        return args[int(_number(args[0]()))]()  # args[0] is the index, args[1..] the choices
    values = [a() for a in args]
    if name == "AND":
        return all(bool(v) for v in _flat(values))
    if name == "OR":
        return any(bool(v) for v in _flat(values))
    if name == "EXP":
        return _safe(lambda: math.exp(_number(values[0])))
    if name == "LN":
        return _safe(lambda: math.log(_number(values[0])))
    if name in ("MIN", "MAX", "SUM"):
        numbers = [_number(v) for v in _flat(values) if not isinstance(v, str)]
        return {"MIN": min, "MAX": max, "SUM": sum}[name](numbers) if numbers or name == "SUM" else 0.0
    if name == "MOD":
        a, b = _number(values[0]), _number(values[1])
        return _safe(lambda: a - b * math.floor(a / b))
    if name == "SUMIF":  # SUMIF(range, criterion[, sum_range]); criterion a value or "<op>value"
        cells = values[0].flat()
        sums = values[2].flat() if len(values) > 2 else cells
        criterion = values[1]
        op, target = "=", criterion
        if isinstance(criterion, str):
            match = re.fullmatch(r"(<>|<=|>=|=|<|>)?(.*)", criterion)
            op, target = match.group(1) or "=", match.group(2)
            try:
                target = float(target)
            except ValueError:
                pass
        return sum(_number(s) for c, s in zip(cells, sums)
                   if not isinstance(c, FormulaError) and c is not None and _compare(op, c, target)
                   and not isinstance(s, str))
    if name == "ABS":
        return abs(_number(values[0]))
    if name == "ROUND":
        digits = int(_number(values[1]))
        x = _number(values[0]) * 10**digits
        return math.copysign(math.floor(abs(x) + 0.5), x) / 10**digits  # Excel rounds half away from zero
    if name == "ISNUMBER":
        return isinstance(values[0], (int, float)) and not isinstance(values[0], bool)
    if name == "INDEX":
        rows = values[0].rows if isinstance(values[0], RangeValue) else [[values[0]]]
        i = int(_number(values[1]))
        j = int(_number(values[2])) if len(values) > 2 else 1
        if len(rows) == 1 and len(values) == 2:  # a single row: the index counts columns
            i, j = 1, i
        if not (1 <= i <= len(rows) and 1 <= j <= len(rows[0])):
            raise FormulaError("#REF!: INDEX out of range")
        return rows[i - 1][j - 1]
    if name == "MATCH":
        target, cells = values[0], values[1].flat()
        mode = int(_number(values[2])) if len(values) > 2 else 1
        if mode == 0:
            for k, v in enumerate(cells):
                if not isinstance(v, FormulaError) and _compare("=", v, target):
                    return k + 1
            raise FormulaError("#N/A")
        if mode == 1:  # largest value <= target, in an ascending list
            best = None
            for k, v in enumerate(cells):
                if isinstance(v, (int, float)) and _number(v) <= _number(target):
                    best = k + 1
            if best is None:
                raise FormulaError("#N/A")
            return best
    raise FormulaError(f"#NAME?: function {name} is not supported by this evaluator")
