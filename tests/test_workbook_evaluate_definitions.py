"""The workbook's formula evaluator (cea.workbook.evaluate) held to the spreadsheet's definitions.

Every function and operator the evaluator implements is checked at its edge cases against values worked out
from the documented definition, then the same cases are recalculated by LibreOffice and compared one by one.

References (cited per case group below):
  [MS]  Microsoft Excel function reference, support.microsoft.com ("<NAME> function" pages), and "Calculation
        operators and precedence in Excel" (negation, %, ^, * /, + -, &, comparisons; left to right).
  [ODF] OASIS Open Document Format for Office Applications (OpenDocument) v1.2, Part 2: Recalculated Formula
        (OpenFormula) Format, section 6 (functions), e.g. 6.18.58 PERCENTILE, 6.13.10 COUNTIF, 6.14.9 MATCH.

Where a definition leaves a case open, or where LibreOffice differs from Excel's documentation, the case says
which behaviour the evaluator follows and why (see LIBREOFFICE_DIFFERS).  Cases the evaluator deliberately does
not implement raise ``Unsupported`` / a "not known" ValueError instead of a silently wrong value.
"""

from __future__ import annotations

import math

import pytest
from scipy import special

from cea.workbook.core import Book
from cea.workbook.evaluate import Unsupported, XlError, evaluate_book, evaluate_formula

NUM, VAL, DIV, NA, REF = (XlError(c) for c in ("#NUM!", "#VALUE!", "#DIV/0!", "#N/A", "#REF!"))

# ---------------------------------------------------------------------------------------------- the data sheet
# column A: PERCENTILE / LARGE data, numbers {1,2,3,4} unsorted, then text and a blank (ignored in a range)
# column B: COUNTIF / SUMIF criteria range, every kind of cell
# column C ascending and D descending numbers (MATCH 1 / -1, INDEX); E sorted text; F SUMIF sums (powers of 2)
# column G: AND/OR range (TRUE, text, blank, 1); H: MIN/MAX/AVERAGE range (blank, numeric text, -2, 5)
# column I: single cells: text, blank, -5
DATA = {
    "A": [3.0, 1.0, 4.0, 2.0, "text", None],
    "B": [3.0, 5.0, "x", "X", None, "abc", True, "3", '=""', 0.0, "ab*c", 1.5],
    "C": [10.0, 20.0, 30.0, 40.0],
    "D": [40.0, 30.0, 20.0, 10.0],
    "E": ["apple", "banana", "cherry", "date"],
    "F": [float(2 ** k) for k in range(12)],
    "G": [True, "text", None, 1.0],
    "H": [None, "100", -2.0, 5.0],
    "I": ["abc", None, -5.0],
}
B = "Data!$B$1:$B$12"

CASES: list[tuple[str, object]] = [
    # PERCENTILE / PERCENTILE.INC [MS PERCENTILE.INC; ODF 6.18.58]: sorted x_1..x_n, position k(n-1) from 0,
    # linear interpolation; k = 0 / 1 give the min / max; k outside [0, 1] or no numbers: #NUM!
    ("PERCENTILE(Data!$A$1:$A$6,0.25)", 1.75),
    ("PERCENTILE(Data!$A$1:$A$6,0)", 1.0),
    ("PERCENTILE(Data!$A$1:$A$6,1)", 4.0),
    ("PERCENTILE(Data!$A$1:$A$6,0.5)", 2.5),
    ("PERCENTILE(Data!$A$1:$A$6,0.1)", 1.3),
    ("PERCENTILE(Data!$A$1:$A$6,0.975)", 3.925),
    ("PERCENTILE(Data!$A$1:$A$6,0.025)", 1.075),
    ("PERCENTILE(Data!$A$1:$A$6,-0.01)", NUM),
    ("PERCENTILE(Data!$A$1:$A$6,1.01)", NUM),
    ("PERCENTILE(Data!$A$5:$A$6,0.5)", NUM),
    ("PERCENTILE(Data!$A$1,0.3)", 3.0),
    ("_xlfn.PERCENTILE.INC(Data!$A$1:$A$6,0.25)", 1.75),
    ("_xlfn.PERCENTILE.INC(Data!$A$1:$A$6,0.6)", 2.8),
    # LARGE [MS LARGE; ODF 6.18.38]: k-th largest; k <= 0 or > n: #NUM!
    ("LARGE(Data!$A$1:$A$6,1)", 4.0),
    ("LARGE(Data!$A$1:$A$6,4)", 1.0),
    ("LARGE(Data!$A$1:$A$6,0)", NUM),
    ("LARGE(Data!$A$1:$A$6,5)", NUM),
    # COUNT [MS COUNT]: numbers in references; direct numbers, logical values and numeric text; not errors
    ("COUNT(Data!$A$1:$A$6)", 4.0),
    ("COUNT(Data!$B$1:$B$12)", 4.0),
    ("COUNT(Data!$I$1)", 0.0),
    ("COUNT(1,\"2\",\"x\",1/0)", 2.0),
    # SUM / AVERAGE / MIN / MAX [MS SUM, AVERAGE, MIN, MAX]: in references (one cell too) text, logical values
    # and blanks are ignored; direct arguments convert (text that is not a number: #VALUE!); MIN/MAX of no
    # number is 0, AVERAGE of none #DIV/0!; an error propagates
    ("SUM(Data!$H$1:$H$4)", 3.0),
    ("SUM(Data!$I$1)", 0.0),
    ("SUM(\"2\",3)", 5.0),
    ("SUM(Data!$A$1:$A$6,10)", 20.0),
    ("SUM(\"abc\",1)", VAL),
    ("AVERAGE(Data!$A$1:$A$6)", 2.5),
    ("AVERAGE(Data!$H$1:$H$4)", 1.5),
    ("AVERAGE(Data!$I$3,Data!$I$2)", -5.0),
    ("AVERAGE(1,\"3\")", 2.0),
    ("AVERAGE(Data!$A$5:$A$6)", DIV),
    ("MAX(Data!$H$1:$H$4)", 5.0),
    ("MIN(Data!$H$1:$H$4)", -2.0),
    ("MAX(Data!$I$2,-5)", -5.0),
    ("MIN(Data!$I$1,3)", 3.0),
    ("MAX(Data!$A$5:$A$6)", 0.0),
    ("MIN(Data!$A$5:$A$6)", 0.0),
    ("MAX(\"abc\",1)", VAL),
    ("MAX(TRUE,0.5)", 1.0),
    ("MAX(1,1/0)", DIV),
    # COUNTIF / SUMIF [MS COUNTIF, SUMIF; ODF 6.13.10, 6.16.62]: operator prefix, operand a number when it reads
    # as one; text compares ignoring case with wildcards * ? ~; "<>v" counts every other cell, blanks included;
    # "" counts blanks and empty text, "=" blanks only, "<>" every non-blank cell; SUMIF's sum range takes the
    # criteria range's shape from its top-left cell
    (f'COUNTIF({B},">=3")', 2.0),
    (f"COUNTIF({B},3)", 1.0),
    (f'COUNTIF({B},"3")', 2.0),  # a number in criterion text also matches the text "3" (as LibreOffice)
    (f'COUNTIF({B},"=3")', 2.0),
    (f'COUNTIF({B},"<>3")', 10.0),
    (f'COUNTIF({B},"x")', 2.0),
    (f'COUNTIF({B},"<>x")', 10.0),
    (f'COUNTIF({B},"=")', 1.0),
    (f'COUNTIF({B},"")', 2.0),
    (f'COUNTIF({B},"<>")', 11.0),
    (f'COUNTIF({B},"a*")', 2.0),
    (f'COUNTIF({B},"?")', 3.0),
    (f'COUNTIF({B},"ab~*c")', 1.0),
    (f"COUNTIF({B},TRUE)", 1.0),
    (f'COUNTIF({B},"<1")', 1.0),
    (f'COUNTIF({B},">b")', 2.0),
    (f'COUNTIF({B},"<"&2)', 2.0),
    (f'COUNTIF({B},">"&1.25)', 3.0),
    # COUNTIFS [MS COUNTIFS; ODF 6.13.11]: a row counts when every range meets its criterion; ranges of one shape
    (f'COUNTIFS({B},"<>3",Data!$F$1:$F$12,">=64")', 5.0),  # rows 7-12 minus the text "3"
    (f'COUNTIFS({B},">=1",Data!$F$1:$F$12,"<8")', 2.0),  # rows 1-3: 3, 5 (numbers), "x" (text)
    (f'COUNTIFS({B},"x")', 2.0),
    (f'COUNTIFS({B},">0",Data!$F$1:$F$11,">0")', VAL),  # ranges of different sizes
    (f'SUMIF({B},">=3",Data!$F$1:$F$12)', 3.0),
    (f'SUMIF({B},"x",Data!$F$1)', 12.0),
    ('SUMIF(Data!$C$1:$C$4,">15")', 90.0),
    (f'SUMIF({B},"<>x",Data!$F$1:$F$12)', 4095.0 - 12.0),
    # MATCH [MS MATCH; ODF 6.14.9]: 1 (default) largest value <= x in ascending data; -1 smallest value >= x in
    # descending data; 0 first equal value (text: any case, wildcards); none: #N/A
    ("MATCH(25,Data!$C$1:$C$4,1)", 2.0),
    ("MATCH(25,Data!$C$1:$C$4)", 2.0),
    ("MATCH(40,Data!$C$1:$C$4,1)", 4.0),
    ("MATCH(100,Data!$C$1:$C$4,1)", 4.0),
    ("MATCH(5,Data!$C$1:$C$4,1)", NA),
    ("MATCH(25,Data!$D$1:$D$4,-1)", 2.0),
    ("MATCH(5,Data!$D$1:$D$4,-1)", 4.0),
    ("MATCH(45,Data!$D$1:$D$4,-1)", NA),
    ("MATCH(30,Data!$C$1:$C$4,0)", 3.0),
    ("MATCH(31,Data!$C$1:$C$4,0)", NA),
    ('MATCH("BANANA",Data!$E$1:$E$4,0)', 2.0),
    ('MATCH("b*",Data!$E$1:$E$4,0)', 2.0),
    ('MATCH("c?erry",Data!$E$1:$E$4,0)', 3.0),
    ('MATCH("bz",Data!$E$1:$E$4,1)', 2.0),
    ("MATCH(3,Data!$B$8,0)", NA),
    ("MATCH(Data!$I$2,Data!$C$1:$C$4,0)", NA),
    # INDEX [MS INDEX (reference form); ODF 6.14.6]: row/column 0 is the whole column/row; beyond: #REF!;
    # negative: #VALUE!
    ("INDEX(Data!$C$1:$D$4,2,2)", 30.0),
    ("INDEX(Data!$C$1:$C$4,3)", 30.0),
    ("INDEX(Data!$C$1:$F$1,3)", "apple"),
    ("INDEX(Data!$C$1:$C$4,5)", REF),
    ("INDEX(Data!$C$1:$D$4,1,3)", REF),
    ("INDEX(Data!$C$1:$C$4,-1)", VAL),
    ("SUM(INDEX(Data!$C$1:$D$4,0,2))", 100.0),
    ("SUM(INDEX(Data!$C$1:$D$4,2,0))", 50.0),
    # ROUND [MS ROUND, its examples]: half away from zero; negative digits round left of the point; Excel rounds
    # the value as shown to 15 significant digits (so 1.005 and 2.675, a hair below the half as doubles, round up)
    ("ROUND(2.15,1)", 2.2), ("ROUND(2.149,1)", 2.1), ("ROUND(-1.475,2)", -1.48), ("ROUND(21.5,-1)", 20.0),
    ("ROUND(626.3,-3)", 1000.0), ("ROUND(1.98,-1)", 0.0), ("ROUND(-50.55,-2)", -100.0),
    ("ROUND(2.5,0)", 3.0), ("ROUND(-2.5,0)", -3.0), ("ROUND(0.5,0)", 1.0), ("ROUND(-0.4,0)", 0.0),
    ("ROUND(1.005,2)", 1.01), ("ROUND(2.675,2)", 2.68), ("ROUND(1234.5678,-2)", 1200.0),
    ("ROUND(12.35,1.9)", 12.4), ("ROUND(1E+300,2)", 1e300), ("ROUND(1/3,20)", 0.333333333333333),
    # MOD [MS MOD]: n - d*INT(n/d), the sign of the divisor; d = 0: #DIV/0!
    ("MOD(3,2)", 1.0), ("MOD(-3,2)", 1.0), ("MOD(3,-2)", -1.0), ("MOD(-3,-2)", -1.0), ("MOD(5.5,2)", 1.5),
    ("MOD(5,0)", DIV),
    # SUMPRODUCT [MS SUMPRODUCT]: ranges of the same dimensions (else #VALUE!); non-numeric entries are 0
    ("SUMPRODUCT(Data!$C$1:$C$4,Data!$D$1:$D$4)", 2000.0),
    ("SUMPRODUCT(Data!$C$1:$C$4,Data!$E$1:$E$4)", 0.0),
    ("SUMPRODUCT(Data!$C$1:$C$4,Data!$C$1:$F$1)", VAL),
    ("SUMPRODUCT(Data!$C$1:$C$3,Data!$C$1:$C$4)", VAL),
    # EXP / LN / SQRT / ABS [MS]: domain errors are #NUM!
    ("EXP(0)", 1.0), ("EXP(1)", math.e), ("EXP(710)", NUM), ("LN(0)", NUM), ("LN(-1)", NUM),
    ("LN(EXP(2))", 2.0), ("SQRT(16)", 4.0), ("SQRT(-1)", NUM), ("ABS(-2.5)", 2.5),
    # IF / IFERROR / IS* / NA [MS]: IF evaluates only the branch taken; blank is FALSE; text condition #VALUE!
    ("IF(TRUE,1,1/0)", 1.0), ("IF(FALSE,1/0,2)", 2.0), ("IF(FALSE,1)", False), ('IF("x",1,2)', VAL),
    ("IF(Data!$I$2,1,2)", 2.0), ("IF(0.1,1,2)", 1.0), ("IF(NA(),1,2)", NA),
    ('IFERROR(1/0,"e")', "e"), ('IFERROR(2,"e")', 2.0), ("IFERROR(NA(),5)", 5.0),
    ("ISBLANK(Data!$I$2)", True), ("ISBLANK(Data!$B$9)", False), ("ISTEXT(Data!$B$8)", True),
    ("ISNUMBER(Data!$B$8)", False), ("ISNUMBER(1/0)", False), ("ISLOGICAL(Data!$B$7)", True),
    ("ISLOGICAL(1)", False), ("ISERROR(NA())", True), ("ISERROR(1)", False), ("NA()", NA),
    # AND / OR / NOT [MS AND, OR]: in references text and blanks are ignored; no logical value at all: #VALUE!
    ("AND(TRUE,1)", True), ("AND(TRUE,0)", False), ("AND(Data!$G$1:$G$4)", True), ("OR(Data!$G$2:$G$3)", VAL),
    ('AND("x")', VAL), ("OR(FALSE,0)", False), ("OR(FALSE,2)", True), ("NOT(0)", True), ("AND(TRUE,1/0)", DIV),
    # CHOOSE [MS CHOOSE]: index truncated; outside 1..n: #VALUE!; only the chosen value is evaluated
    ('CHOOSE(2,"a","b","c")', "b"), ('CHOOSE(2.9,"a","b","c")', "b"), ('CHOOSE(0,"a")', VAL),
    ('CHOOSE(4,"a","b","c")', VAL), ("CHOOSE(1,5,1/0)", 5.0),
    # text functions [MS EXACT, SEARCH, LEN, TRIM, TEXT]
    ('EXACT("a","A")', False), ('EXACT("a","a")', True), ('EXACT(1,"1")', True),
    ('SEARCH("n","banana")', 3.0), ('SEARCH("N","banana",4)', 5.0), ('SEARCH("z","banana")', VAL),
    ('SEARCH("b?n","abanana")', 2.0), ('SEARCH("a","banana",0)', VAL), ('SEARCH("a","banana",7)', VAL),
    ('LEN("abc")', 3.0), ("LEN(Data!$I$2)", 0.0), ("LEN(12.5)", 4.0), ('TRIM("  a   b  ")', "a b"),
    ('TEXT(1234.5,"#,##0")', "1,235"), ('TEXT(-1234.567,"#,##0.00")', "-1,234.57"), ('TEXT(2.5,"0")', "3"),
    ('TEXT(0.125,"0.00")', "0.13"),
    # distributions [MS NORM.S.DIST, NORM.S.INV, NORM.INV, GAMMA.DIST, GAMMA.INV, BETA.INV and their examples]
    ("_xlfn.NORM.S.DIST(0,TRUE)", 0.5), ("_xlfn.NORM.S.DIST(1.959963984540054,TRUE)", 0.975),
    ("_xlfn.NORM.S.DIST(0,FALSE)", 1 / math.sqrt(2 * math.pi)),
    ("_xlfn.NORM.S.INV(0.975)", 1.959963984540054),  # the published 97.5% point of the standard normal
    ("_xlfn.NORM.S.INV(0.5)", 0.0), ("_xlfn.NORM.S.INV(0.908789)", 1.3333346730441076),  # [MS] 1.3333
    ("_xlfn.NORM.S.INV(1E-300)", float(special.ndtri(1e-300))),
    ("_xlfn.NORM.S.INV(0)", NUM), ("_xlfn.NORM.S.INV(1)", NUM),
    ("_xlfn.NORM.INV(0.908789,40,1.5)", 42.00000200956616),  # [MS] 42.000002
    ("_xlfn.NORM.INV(0.5,3,2)", 3.0), ("_xlfn.NORM.INV(0.5,3,0)", NUM), ("_xlfn.NORM.INV(0,3,2)", NUM),
    ("_xlfn.NORM.INV(1,3,2)", NUM),
    ("_xlfn.GAMMA.DIST(10.00001131,9,2,FALSE)", 0.03263913041829396),  # [MS] 0.032639
    ("_xlfn.GAMMA.DIST(10.00001131,9,2,TRUE)", 0.0680940038697872),  # [MS] 0.068094
    ("_xlfn.GAMMA.DIST(0,1,1,TRUE)", 0.0), ("_xlfn.GAMMA.DIST(-1,1,1,TRUE)", NUM),
    ("_xlfn.GAMMA.INV(0.068094,9,2)", 10.000011191437181),  # [MS] 10.0000112
    ("_xlfn.GAMMA.INV(0.5,1,2)", 2 * math.log(2)),  # the median of an exponential with mean 2
    ("_xlfn.GAMMA.INV(0,2,3)", 0.0), ("_xlfn.GAMMA.INV(1E-300,2,1)", float(special.gammaincinv(2, 1e-300))),
    ("_xlfn.GAMMA.INV(1,2,3)", NUM), ("_xlfn.GAMMA.INV(-0.1,2,3)", NUM), ("_xlfn.GAMMA.INV(0.5,0,1)", NUM),
    ("_xlfn.BETA.INV(0.685470581,8,10,1,3)", 1.9999999999631428),  # [MS] 2
    ("_xlfn.BETA.INV(0.5,1,1)", 0.5), ("_xlfn.BETA.INV(0.25,2,1)", 0.5),  # Beta(2,1): F(x) = x^2
    ("_xlfn.BETA.INV(1,2,3)", 1.0), ("_xlfn.BETA.INV(1E-300,2,3)", float(special.betaincinv(2, 3, 1e-300))),
    ("_xlfn.BETA.INV(0,2,3)", NUM), ("_xlfn.BETA.INV(1.1,2,3)", NUM), ("_xlfn.BETA.INV(0.5,0,1)", NUM),
    # operators [MS "Calculation operators and precedence"; ODF 6.4]: negation before %, % before ^, ^ left to
    # right; 0^0 #NUM!, 0^-1 #DIV/0!, a fractional power of a negative #NUM!
    ("-2^2", 4.0), ("-(2^2)", -4.0), ("2^-1", 0.5), ("-2^-2", 0.25), ("2^3^2", 64.0), ("2*3^2", 18.0),
    ("0^0", NUM), ("0^-1", DIV), ("(-8)^(1/3)", NUM), ("(-8)^3", -512.0),
    ("50%", 0.5), ("1+50%*2", 2.0), ("-10%", -0.1), ("4^50%", 2.0),
    ("1/0", DIV), ("Data!$I$2/1", 0.0), ("1/Data!$I$2", DIV), ("Data!$I$2", 0.0), ("Data!$I$2+1", 1.0),
    # & [MS]: numbers as General shows them (15 significant digits), blanks as ""
    ('"a"&1.5&TRUE', "a1.5TRUE"), ("1+2&3", "33"), ('"x"&Data!$I$2', "x"), ('0.1+0.2&""', "0.3"),
    ('1/3&""', "0.333333333333333"), ('-0.5&""', "-0.5"), ('1E+20&""', "1E+20"),
    ('123456789012345678&""', "1.23456789012346E+17"), ('+"abc"', "abc"), ('+Data!$I$1', "abc"), ("+-2", -2.0),
    # comparisons [MS; ODF 6.4.7-6.4.12]: text ignores case; numbers < text < logical values; blank is 0, "" or
    # FALSE as the other side needs
    ('"a"="A"', True), ('"a"<"B"', True), ('1<"a"', True), ('"z"<TRUE', True), ("1=TRUE", False),
    ("Data!$I$2=0", True), ('Data!$I$2=""', True), ("Data!$I$2=FALSE", True), ('"1"=1', False),
    ("1=1=TRUE", True), ('"a"&"b"="ab"', True), ("0.1+0.2=0.3", True), ("0.1+0.2<0.3", False),
    ("1+1E-15=1", True), ("1+1E-13=1", False),
    # text in arithmetic [MS]: numeric text converts, other text #VALUE!
    ('"3"+1', 4.0), ('" 2 "*2', 4.0), ('"abc"+1', VAL), ("TRUE+TRUE", 2.0), ('"50%"*2', 1.0), ('"1e3"+0', 1000.0),
    ('"inf"+0', VAL), ('"nan"+0', VAL),
    # errors propagate, the left operand's first [MS]
    ("NA()+1/0", NA), ('(1/0)&"x"', DIV), ("1/0=NA()", DIV), ("-NA()", NA),
]

# LibreOffice (Calc 7.x, the one the tests run) and Excel's documentation disagree here; the evaluator follows
# Excel's documentation because the workbook is made for Excel (the cached values are what Excel would show)
# and the workbook never reaches these cases (PSA uniforms are in (0, 1)):
NO_LOGICAL_TYPE = "LibreOffice has no logical type (TRUE is the number 1); [MS] numbers < text < logical values"
LIBREOFFICE_DIFFERS: dict[str, tuple[object, str]] = {
    "_xlfn.BETA.INV(0,2,3)": (0.0, "[MS BETA.INV] 'If probability <= 0 or probability > 1, BETA.INV returns "
                                   "#NUM!'; LibreOffice returns the lower bound A at p = 0"),
    "_xlfn.NORM.S.INV(0)": (VAL, "[MS NORM.S.INV] 'If probability <= 0 or >= 1, #NUM!'"),
    "_xlfn.NORM.S.INV(1)": (VAL, "[MS NORM.S.INV] as above"),
    "_xlfn.NORM.INV(0,3,2)": (VAL, "[MS NORM.INV] 'If probability <= 0 or >= 1, #NUM!'"),
    "_xlfn.NORM.INV(1,3,2)": (VAL, "[MS NORM.INV] as above"),
    "PERCENTILE(Data!$A$5:$A$6,0.5)": (VAL, "[MS PERCENTILE.INC] 'If array is empty, #NUM!'"),
    "LARGE(Data!$A$1:$A$6,0)": (VAL, "[MS LARGE] 'If k <= 0 or greater than the number of data points, #NUM!'"),
    "LARGE(Data!$A$1:$A$6,5)": (VAL, "[MS LARGE] as above"),
    "SUM(\"2\",3)": (VAL, "[MS SUM] text representations of numbers typed directly are counted"),
    "AVERAGE(1,\"3\")": (VAL, "[MS AVERAGE] 'text representations of numbers that you type directly into the "
                               "list of arguments are counted'"),
    "_xlfn.GAMMA.INV(1E-300,2,1)": (1.5274681817498e-150, "LibreOffice's iteration is inaccurate in the far tail: "
                                    "for Gamma(2,1), F(x) ~ x^2/2, so x = sqrt(2e-300) = 1.41421356e-150 (scipy)"),
    "_xlfn.BETA.INV(1E-300,2,3)": (3.05493636349961e-151, "as above: for Beta(2,3), F(x) ~ 6x^2, so x = "
                                   "sqrt(1e-300/6) = 4.0824829e-151 (scipy)"),
    "0^0": (1.0, "Excel returns #NUM! for 0^0 (OpenFormula 6.4.6 leaves 0^0 to the implementation)"),
    "0^-1": (NUM, "Excel returns #DIV/0! for 0 to a negative power"),
    "(-8)^(1/3)": (-2.0, "Excel returns #NUM! for a fractional power of a negative number; LibreOffice takes "
                         "the real odd root"),
    f'COUNTIF({B},"?")': (6.0, "LibreOffice matches wildcards against numbers shown as text; in Excel wildcards "
                               "match text cells only ([MS] 'Count cells that contain text': COUNTIF(range,\"*\"))"),
    "COUNT(Data!$B$1:$B$12)": (5.0, NO_LOGICAL_TYPE + ": COUNT skips a TRUE in a reference"),
    f'COUNTIF({B},"<"&2)': (3.0, NO_LOGICAL_TYPE + ": a TRUE cell is not a number < 2"),
    '"a"&1.5&TRUE': ("a1.51", NO_LOGICAL_TYPE + ": TRUE joins as TRUE"),
    '"z"<TRUE': (False, NO_LOGICAL_TYPE),
    "1=TRUE": (True, NO_LOGICAL_TYPE),
    '1E+20&""': ("1E+020", "Excel's General format writes a two-digit exponent (1E+20); LibreOffice three"),
    '123456789012345678&""': ("1.23456789012346E+017", "as above"),
}
# LibreOffice reports some invalid arguments as errors of its own ('Err:502' invalid argument, 'Err:504'
# parameter list) where Excel's documentation names #NUM!, #REF! or #VALUE! (an .xlsx saved by LibreOffice shows
# them as #VALUE!): any error of the evaluator counts as agreeing with them
LO_OWN_ERROR = "Err:"


def build_cases_book() -> Book:
    book = Book(inputs=None, n_rows=0)
    data = book.add_sheet("Data")
    for col, values in DATA.items():
        c = ord(col) - 64
        for r, v in enumerate(values, start=1):
            if isinstance(v, str) and v.startswith("="):
                data.formula(r, c, v)
            elif v is not None:
                data.put(r, c, v)
    cases = book.add_sheet("Cases")
    for r, (formula, _) in enumerate(CASES, start=1):
        cases.formula(r, 1, formula)
        cases.formula(r, 2, f"ISTEXT(A{r})")  # tells text from numbers and errors in LibreOffice's CSV
    return book


@pytest.fixture(scope="module")
def evaluated():
    return evaluate_book(build_cases_book())


def same(got: object, want: object) -> bool:
    if isinstance(want, float) and not isinstance(want, bool):
        return (isinstance(got, float) and not isinstance(got, bool)
                and math.isclose(got, want, rel_tol=1e-14, abs_tol=1e-300 if want == 0 else 0.0))
    return type(got) is type(want) and got == want


def test_the_cases_are_distinct_and_cover_every_function():
    from cea.workbook.evaluate import FUNCTIONS

    formulas = [f for f, _ in CASES]
    assert len(formulas) == len(set(formulas))
    text = " ".join(formulas).upper()
    untested = [name for name in FUNCTIONS if name != "RAND" and f"{name}(" not in text]
    assert not untested, untested


@pytest.mark.parametrize("formula, expected", CASES, ids=[f for f, _ in CASES])
def test_each_function_at_its_edges_follows_the_definition(evaluated, formula, expected):
    row = next(r for r, (f, _) in enumerate(CASES, start=1) if f == formula)
    got = evaluated[("Cases", row, 1)]
    assert same(got, expected), (formula, got, expected)


def value_of(formula: str) -> object:
    book = build_cases_book()
    book.sheets["Cases"].formula(len(CASES) + 1, 1, formula)
    return evaluate_formula(book, "Cases", len(CASES) + 1, 1)


@pytest.mark.parametrize("formula", [
    "VLOOKUP(1,Data!$C$1:$D$4,2)", "HLOOKUP(1,Data!$C$1:$D$4,2)", "LOOKUP(1,Data!$C$1:$C$4)",
    "OFFSET(Data!$A$1,1,1)", "QUARTILE(Data!$A$1:$A$4,1)", "_xlfn.QUARTILE.INC(Data!$A$1:$A$4,1)",
    "ROUNDUP(1.2,0)", "ROUNDDOWN(1.2,0)", "INT(-1.5)", "STDEV(Data!$A$1:$A$4)", "_xlfn.STDEV.S(Data!$A$1:$A$4)",
    "_xlfn.LOGNORM.INV(0.5,0,1)", "_xlfn.PERCENTILE.EXC(Data!$A$1:$A$4,0.5)",
])
def test_a_function_the_evaluator_does_not_implement_is_refused(formula):
    with pytest.raises(ValueError, match="not known"):
        value_of(formula)


@pytest.mark.parametrize("formula, what", [
    ("RAND()", "RAND"),
    ('TEXT(0.5,"0%")', "TEXT format"),
    ('"1,000"+1', "converting the text"),
    ('"$5"*2', "converting the text"),
    ("COUNTIF(Data!$C$1:$C$4,Data!$I$2)", "blank COUNTIF"),
    ("INDEX(Data!$C$1:$C$4,0)", "a range as a cell's value"),
    ("Data!$C$1:$C$4", "a range as a cell's value"),
    ("INDEX(5,1)", "array form"),
])
def test_a_case_the_evaluator_does_not_implement_is_a_named_error(formula, what):
    """Never a silently wrong cached value: Excel would show something else (a percent format, a date, an
    implicitly intersected range), so the evaluator stops with a named error."""
    with pytest.raises(Unsupported, match=what):
        value_of(formula)


# ---------------------------------------------------------------------------------------------- LibreOffice
@pytest.fixture(scope="module")
def libreoffice(tmp_path_factory):
    from cea.workbook.recalc import csv_value, recalculated_sheet, soffice
    from cea.workbook.xlsx import write_xlsx

    if soffice() is None:
        pytest.skip("LibreOffice not installed")
    book = build_cases_book()
    path = write_xlsx(book, evaluate_book(book), tmp_path_factory.mktemp("definitions") / "cases.xlsx")
    sheet = recalculated_sheet(path, "Cases")  # one LibreOffice start for every case
    out = {}
    for r, (formula, _) in enumerate(CASES, start=1):
        raw, is_text = sheet.get(f"A{r}"), sheet.get(f"B{r}") == "TRUE"
        if raw is None:
            out[formula] = "" if is_text else None
        elif is_text:
            out[formula] = raw
        elif raw.startswith("#") or raw.startswith(LO_OWN_ERROR):
            out[formula] = XlError(raw)
        elif raw.endswith("%"):  # a formula ending in % is shown as a percentage
            out[formula] = float(raw[:-1]) / 100
        else:
            out[formula] = csv_value(raw)
    return out


@pytest.mark.libreoffice
def test_libreoffice_agrees_case_by_case(evaluated, libreoffice):
    """Each case recalculated by LibreOffice equals the evaluator's value (15 significant digits: LibreOffice's
    CSV), except the documented differences in LIBREOFFICE_DIFFERS."""
    mismatches = []
    for r, (formula, _) in enumerate(CASES, start=1):
        ours, theirs = evaluated[("Cases", r, 1)], libreoffice[formula]
        if formula in LIBREOFFICE_DIFFERS:
            assert same(theirs, LIBREOFFICE_DIFFERS[formula][0]), (formula, theirs)
            continue
        if isinstance(ours, XlError) and isinstance(theirs, XlError) and theirs.code.startswith(LO_OWN_ERROR):
            continue
        if isinstance(ours, float) and isinstance(theirs, float):
            if math.isclose(ours, theirs, rel_tol=5e-15, abs_tol=1e-300):
                continue
        elif same(theirs, ours):
            continue
        mismatches.append((formula, ours, theirs))
    assert not mismatches, mismatches
