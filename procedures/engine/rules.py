"""The rules engine: JsonLogic rules, typed against the questions, tri-state, compiled.

A rule is validated against a :class:`FactSchema` (which facts exist, and of which type), then
compiled once into one straight-line Python function (generated source passed through
``compile()``). Evaluating a rule is one call: no parsing, no dict walking per operator.

Evaluation is three-valued (Kleene): a fact that is absent or ``None`` is unknown, and
unknown propagates unless the known parts decide the result (``false and unknown`` is false,
``true or unknown`` is true). With every fact known the result is exactly what standard
JsonLogic (jsonlogic.com) gives.

Plain Python, no Django.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

UNKNOWN = None  # the third truth value

MAX_DEPTH = 50
RELATIONS = ("self", "spouse", "child", "parent", "deceased", "other")
FACT_TYPES = ("bool", "choice", "number", "date")
_TYPE_ALIASES = {"yes_no": "bool"}
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RESERVED_CASE = ("members", "member")

OPERATORS = (
    "var", "==", "!=", "===", "!==", "!", "!!", "and", "or", "if",
    "<", "<=", ">", ">=", "in", "some", "all", "none",
    "+", "-", "*", "/", "min", "max",
)  # fmt: skip
_EQUALITY = {"==": "==", "===": "==", "!=": "!=", "!==": "!="}
_ORDER = ("<", "<=", ">", ">=")
_QUANTIFIERS = ("some", "all", "none")
_ARITH = ("+", "-", "*", "/", "min", "max")


class RuleError(ValueError):
    """A rule that cannot be accepted; str() names the rule and the place in it."""

    def __init__(self, message: str, *, rule_name: str, path: str):
        self.message = message
        self.rule_name = rule_name
        self.path = path
        super().__init__(f"{rule_name} at {path}: {message}")


@dataclass(frozen=True)
class Fact:
    key: str
    type: str  # "bool" | "choice" | "number" | "date" (date = ISO "YYYY-MM-DD" string); "yes_no" = "bool"
    choices: tuple[str, ...] = ()  # for "choice"; a choice fact without choices takes any string

    def __post_init__(self):
        kind = _TYPE_ALIASES.get(self.type, self.type)
        if kind not in FACT_TYPES:
            raise ValueError(f"fact {self.key!r}: unknown type {self.type!r} (one of {', '.join(FACT_TYPES)})")
        if not isinstance(self.key, str) or not _KEY.match(self.key):
            raise ValueError(f"fact key {self.key!r} must be a name of letters, digits and _")
        choices = tuple(self.choices)
        if kind != "choice" and choices:
            raise ValueError(f"fact {self.key!r}: only a choice fact has choices")
        if any(not isinstance(c, str) for c in choices):
            raise ValueError(f"fact {self.key!r}: choices must be strings")
        object.__setattr__(self, "type", kind)
        object.__setattr__(self, "choices", choices)


_BUILTIN_CASE = (Fact("event_date", "date"),)
_BUILTIN_MEMBER = (Fact("key", "choice"), Fact("relation", "choice", RELATIONS))


@dataclass(frozen=True)
class FactSchema:
    case: Mapping[str, Fact]
    member: Mapping[str, Fact]

    @classmethod
    def build(cls, case: Iterable[Fact], member: Iterable[Fact]) -> FactSchema:
        """The schema of the given facts plus the built-ins (event_date; member key and relation)."""
        return cls(
            case=_facts_by_key(case, _BUILTIN_CASE, "case"), member=_facts_by_key(member, _BUILTIN_MEMBER, "member")
        )


def _facts_by_key(facts: Iterable[Fact], builtins: tuple[Fact, ...], where: str) -> dict[str, Fact]:
    out = {f.key: f for f in builtins}
    for fact in facts:
        if where == "case" and fact.key in _RESERVED_CASE:
            raise ValueError(f"{fact.key!r} is reserved and cannot be a case fact")
        known = out.get(fact.key)
        if known is not None and known != fact:
            if any(b.key == fact.key for b in builtins):
                raise ValueError(f"{fact.key!r} is a built-in {where} fact and cannot be redefined")
            raise ValueError(f"{where} fact {fact.key!r} is defined twice")
        out[fact.key] = fact
    return out


# --------------------------------------------------------------------------------------------
# Validation: JSON → typed tree
# --------------------------------------------------------------------------------------------

# Value types: "bool", "number", "str" (any string), "choice" (a choice fact), "date".
_FAMILY = {"bool": "bool", "number": "number", "str": "string", "choice": "string", "date": "string"}
_TYPE_WORDS = {"bool": "yes/no", "number": "number", "str": "text", "choice": "choice", "date": "date"}


class _N:
    """A validated node: kind, value type, children and payload."""

    __slots__ = ("args", "fact", "key", "kind", "op", "path", "scope", "type", "value")

    def __init__(self, kind, type_, *, path, args=(), op=None, value=None, key=None, scope=None, fact=None):
        self.kind = kind  # const var cmp in_list in_str not truthy and or if quant arith
        self.type = type_
        self.path = path
        self.args = tuple(args)
        self.op = op
        self.value = value
        self.key = key
        self.scope = scope  # for var: "case" | "member" | "item"
        self.fact = fact  # for var: the Fact


def _ptr(path: str, part: str | int) -> str:
    return f"{path}/{str(part).replace('~', '~0').replace('/', '~1')}"


def _show(path: str) -> str:
    return path or "/"


def _is_iso_date(value: str) -> bool:
    if not _ISO_DATE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


class _Validator:
    def __init__(self, schema: FactSchema, name: str, per_member: bool):
        self.schema = schema
        self.name = name
        self.per_member = per_member

    def fail(self, message: str, path: str):
        raise RuleError(message, rule_name=self.name, path=_show(path))

    def describe(self, n: _N) -> str:
        if n.kind == "var":
            return f"'{n.key}' ({_TYPE_WORDS[n.type]})"
        if n.kind == "const":
            return f"{_json_repr(n.value)} ({_TYPE_WORDS[n.type]})"
        return f"this {_TYPE_WORDS[n.type]} expression"

    def rule(self, rule) -> _N:
        root = self.node(rule, "", "case", 1)
        if root.type != "bool":
            self.fail(f"a rule must give true or false, but this one gives a {_TYPE_WORDS[root.type]}", "")
        return root

    def node(self, x, path: str, scope: str, depth: int) -> _N:
        if depth > MAX_DEPTH:
            self.fail(f"the rule is nested too deeply (more than {MAX_DEPTH} levels)", path)
        if isinstance(x, bool):
            return _N("const", "bool", path=path, value=x)
        if isinstance(x, int | float):
            if not math.isfinite(x):
                self.fail("numbers must be finite", path)
            return _N("const", "number", path=path, value=x)
        if isinstance(x, str):
            return _N("const", "str", path=path, value=x)
        if x is None:
            self.fail("null is not allowed in a rule", path)
        if isinstance(x, list):
            self.fail("a list is only allowed as the list of values of 'in'", path)
        if not isinstance(x, Mapping):
            self.fail(f"unexpected {type(x).__name__} in a rule", path)
        if len(x) != 1:
            keys = ", ".join(repr(k) for k in list(x)[:5])
            self.fail(f"an operation must be an object with exactly one key (its operator), found {len(x)}: {keys}",
                      path)  # fmt: skip
        op, raw = next(iter(x.items()))
        if not isinstance(op, str) or op not in OPERATORS:
            self.fail(f"unsupported operator {op!r}; supported: {' '.join(OPERATORS)}", path)
        opath = _ptr(path, op)
        if isinstance(raw, list):
            args = list(raw)
            paths = [_ptr(opath, i) for i in range(len(args))]
        else:
            args, paths = [raw], [opath]
        return getattr(self, "op_" + _OP_METHOD.get(op, op))(op, args, paths, path, scope, depth)

    # --- helpers ---

    def arity(self, op, args, path, low, high=None):
        n = len(args)
        if high is None and n < low:
            self.fail(f"'{op}' needs at least {low} argument{'s' if low > 1 else ''}, got {n}", path)
        if high is not None and not low <= n <= high:
            want = str(low) if low == high else f"{low} to {high}"
            self.fail(f"'{op}' needs {want} argument{'s' if high > 1 else ''}, got {n}", path)

    def boolean(self, n: _N, what: str):
        if n.type != "bool":
            self.fail(f"{what} must be true or false, but {self.describe(n)} is not", n.path)
        return n

    def children(self, args, paths, scope, depth):
        return [self.node(a, p, scope, depth + 1) for a, p in zip(args, paths, strict=True)]

    def check_literal(self, fact_node: _N, lit: _N):
        """A constant compared with a choice or date fact must be one of its choices / a date."""
        if lit.kind != "const" or lit.type != "str":
            return
        if fact_node.type == "choice" and fact_node.fact is not None and fact_node.fact.choices:
            if lit.value not in fact_node.fact.choices:
                self.fail(f"{_json_repr(lit.value)} is not a choice of '{fact_node.key}'; "
                          f"its choices are: {', '.join(fact_node.fact.choices)}", lit.path)  # fmt: skip
        elif fact_node.type == "date" and not _is_iso_date(lit.value):
            self.fail(f"'{fact_node.key}' is a date; compare it with a date written YYYY-MM-DD, "
                      f"not {_json_repr(lit.value)}", lit.path)  # fmt: skip

    def comparable(self, a: _N, b: _N, path: str):
        fa, fb = _FAMILY[a.type], _FAMILY[b.type]
        if fa != fb:
            self.fail(f"cannot compare {self.describe(a)} with {self.describe(b)}", path)
        if fa == "string":
            self.check_literal(a, b)
            self.check_literal(b, a)
            if a.type in ("choice", "date") and b.type in ("choice", "date") and a.type != b.type:
                self.fail(f"cannot compare {self.describe(a)} with {self.describe(b)}", path)

    # --- operators ---

    def op_var(self, op, args, paths, path, scope, depth):
        if not args:
            self.fail("'var' needs the name of a fact", path)
        if len(args) > 1:
            self.fail("default values in 'var' are not supported (an unanswered fact is unknown)", paths[1])
        key = args[0]
        if not isinstance(key, str) or not key:
            self.fail("'var' needs the name of a fact (a non-empty string)", paths[0])
        if key == "members":
            self.fail("'members' can only be the first argument of some / all / none", path)
        if scope == "item":
            if key.startswith("member."):
                self.fail(f"inside some / all / none, read the member's facts by their bare name "
                          f"('{key[7:]}', not '{key}')", path)  # fmt: skip
            fact = self.schema.member.get(key)
            if fact is None:
                if key in self.schema.case:
                    self.fail(f"'{key}' is a case fact and cannot be read inside some / all / none "
                              "(only the member's own facts are available there)", path)  # fmt: skip
                self.fail(f"unknown member fact '{key}'{_suggest(key, self.schema.member)}", path)
            return self.var(key, fact, "item", path)
        if key.startswith("member."):
            sub = key[7:]
            if not self.per_member:
                self.fail(f"'{key}' is a member fact, but this rule is per case: "
                          f"use some / all / none over members and read '{sub}' inside", path)  # fmt: skip
            fact = self.schema.member.get(sub)
            if fact is None:
                self.fail(f"unknown member fact '{sub}'{_suggest(sub, self.schema.member)}", path)
            return self.var(sub, fact, "member", path)
        fact = self.schema.case.get(key)
        if fact is None:
            hint = ""
            if key in self.schema.member:
                hint = (f" ('{key}' is a member fact: read it as 'member.{key}'" if self.per_member
                        else f" ('{key}' is a member fact: use some / all / none over members")  # fmt: skip
                hint += ")"
            self.fail(f"unknown fact '{key}'{hint or _suggest(key, self.schema.case)}", path)
        return self.var(key, fact, "case", path)

    def var(self, key, fact: Fact, scope, path):
        type_ = ("choice" if fact.choices else "str") if fact.type == "choice" else fact.type
        return _N("var", type_, path=path, key=key, scope=scope, fact=fact)

    def op_eq(self, op, args, paths, path, scope, depth):
        self.arity(op, args, path, 2, 2)
        a, b = self.children(args, paths, scope, depth)
        self.comparable(a, b, path)
        return _N("cmp", "bool", path=path, op=_EQUALITY[op], args=(a, b))

    def op_order(self, op, args, paths, path, scope, depth):
        self.arity(op, args, path, 2, 3 if op in ("<", "<=") else 2)
        nodes = self.children(args, paths, scope, depth)
        kinds = set()
        for n in nodes:
            if n.type == "number":
                kinds.add("number")
            elif n.type == "date" or (n.type == "str" and n.kind == "const" and _is_iso_date(n.value)):
                kinds.add("date")
            elif n.type == "str" and n.kind == "const":
                self.fail(f"'{op}' compares numbers or dates; {_json_repr(n.value)} is neither "
                          "(write dates as YYYY-MM-DD)", n.path)  # fmt: skip
            else:
                self.fail(f"'{op}' compares numbers or dates, not {self.describe(n)}", n.path)
        if len(kinds) > 1:
            self.fail(f"'{op}' cannot compare numbers with dates", path)
        return _N("cmp", "bool", path=path, op=op, args=nodes)

    def op_not(self, op, args, paths, path, scope, depth):
        self.arity(op, args, path, 1, 1)
        (a,) = self.children(args, paths, scope, depth)
        if op == "!":
            self.boolean(a, "the argument of '!'")
            return _N("not", "bool", path=path, args=(a,))
        return _N("truthy", "bool", path=path, args=(a,))

    def op_andor(self, op, args, paths, path, scope, depth):
        self.arity(op, args, path, 1)
        nodes = [self.boolean(n, f"each argument of '{op}'") for n in self.children(args, paths, scope, depth)]
        return _N(op, "bool", path=path, args=nodes)

    def op_if(self, op, args, paths, path, scope, depth):
        if len(args) < 3 or len(args) % 2 == 0:
            self.fail(f"'if' needs an odd number of arguments, at least 3 (condition, then, "
                      f"[condition, then, …] else), got {len(args)}", path)  # fmt: skip
        if depth + len(args) // 2 > MAX_DEPTH:
            self.fail(f"the rule is nested too deeply (more than {MAX_DEPTH} levels)", path)
        nodes = self.children(args, paths, scope, depth)
        for i in range(0, len(nodes) - 1, 2):
            self.boolean(nodes[i], "a condition of 'if'")
        branches = [nodes[i] for i in range(1, len(nodes), 2)] + [nodes[-1]]
        families = {_FAMILY[b.type] for b in branches}
        if len(families) > 1:
            self.fail("the branches of 'if' must all be of one type: "
                      + ", ".join(self.describe(b) for b in branches), path)  # fmt: skip
        types = {b.type for b in branches}
        type_ = types.pop() if len(types) == 1 else "str"
        # if(c1, v1, c2, v2, e) == if(c1, v1, if(c2, v2, e))
        node = nodes[-1]
        for i in range(len(nodes) - 3, -1, -2):
            node = _N("if", type_, path=path, args=(nodes[i], nodes[i + 1], node))
        return node

    def op_in(self, op, args, paths, path, scope, depth):
        self.arity(op, args, path, 2, 2)
        needle = self.node(args[0], paths[0], scope, depth + 1)
        hay = args[1]
        if isinstance(hay, list):
            values = []
            for i, v in enumerate(hay):
                p = _ptr(paths[1], i)
                if isinstance(v, bool | int | float | str) and not (isinstance(v, float) and not math.isfinite(v)):
                    lit = _N("const", "bool" if isinstance(v, bool) else "number" if not isinstance(v, str) else "str",
                             path=p, value=v)  # fmt: skip
                else:
                    self.fail("the list of 'in' may only hold constants (text, numbers, true/false)", p)
                self.comparable(needle, lit, p)
                values.append(v)
            return _N("in_list", "bool", path=path, args=(needle,), value=tuple(values))
        hay_node = self.node(hay, paths[1], scope, depth + 1)
        for n in (needle, hay_node):
            if _FAMILY[n.type] != "string":
                self.fail(f"'in' looks for text in a text or for a value in a list of constants; "
                          f"{self.describe(n)} is not text", n.path)  # fmt: skip
        return _N("in_str", "bool", path=path, args=(needle, hay_node))

    def op_quant(self, op, args, paths, path, scope, depth):
        self.arity(op, args, path, 2, 2)
        first = args[0]
        ok = isinstance(first, Mapping) and len(first) == 1 and first.get("var") in ("members", ["members"])
        if not ok:
            self.fail(f'the first argument of \'{op}\' must be {{"var": "members"}}', paths[0])
        if scope == "item":
            self.fail(f"'{op}' cannot be nested inside some / all / none", path)
        inner = self.node(args[1], paths[1], "item", depth + 1)
        self.boolean(inner, f"the condition of '{op}'")
        return _N("quant", "bool", path=path, op=op, args=(inner,))

    def op_arith(self, op, args, paths, path, scope, depth):
        if op == "-":
            self.arity(op, args, path, 1, 2)
        elif op == "/":
            self.arity(op, args, path, 2, 2)
        else:
            self.arity(op, args, path, 1)
        nodes = self.children(args, paths, scope, depth)
        for n in nodes:
            if n.type != "number":
                self.fail(f"'{op}' works on numbers, not {self.describe(n)}", n.path)
        return _N("arith", "number", path=path, op=op, args=nodes)


_OP_METHOD = {
    "==": "eq", "!=": "eq", "===": "eq", "!==": "eq",
    "<": "order", "<=": "order", ">": "order", ">=": "order",
    "!": "not", "!!": "not", "and": "andor", "or": "andor",
    "some": "quant", "all": "quant", "none": "quant",
    "+": "arith", "-": "arith", "*": "arith", "/": "arith", "min": "arith", "max": "arith",
}  # fmt: skip


def _suggest(key: str, known: Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(key, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _json_repr(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def validate_rule(rule, schema: FactSchema, *, name: str, per_member: bool) -> None:
    """Raise RuleError (naming the rule and the place in it) unless the rule is acceptable."""
    _Validator(schema, name, per_member).rule(rule)


def typed_rule(rule, schema: FactSchema, *, name: str, per_member: bool) -> _N:
    """The validated, typed tree of a rule, for analyses of the rules (the questionnaire walker).

    Nodes have ``kind`` (const var cmp in_list in_str not truthy and or if quant arith), ``type``,
    ``args``, ``op``, ``value``; a var has ``key``, ``scope`` (case / member / item) and ``fact``.
    """
    return _Validator(schema, name, per_member).rule(rule)


# --------------------------------------------------------------------------------------------
# Compilation: typed tree → one Python function
# --------------------------------------------------------------------------------------------

_PY_CMP = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def _js_div(a, b):
    """JavaScript division: x/0 is ±Infinity (NaN for 0/0)."""
    if b == 0:
        if a == 0 or a != a:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _js_min(*args):
    return math.nan if any(a != a for a in args) else min(args)


def _js_max(*args):
    return math.nan if any(a != a for a in args) else max(args)


_EMPTY: Mapping = {}
_HELPERS = {"_div": _js_div, "_min": _js_min, "_max": _js_max, "_EMPTY": _EMPTY, "__builtins__": {"bool": bool}}


def _indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]


def _terminal(action: list[str]) -> bool:
    return bool(action) and action[-1].split(" ", 1)[0] in ("return", "break", "continue")


def _cases(cases: list[tuple[str, list[str]]], default: list[str]) -> list[str]:
    """if c1: a1 / elif c2: a2 … / else: default, dropping what does nothing."""
    cases = list(cases)
    while cases and not cases[-1][1] and not default:
        cases.pop()
    if not cases:
        return list(default)
    out: list[str] = []
    for i, (cond, action) in enumerate(cases):
        out.append(f"{'if' if i == 0 else 'elif'} {cond}:")
        out += _indent(action or ["pass"])
    if default:
        out.append("else:")
        out += _indent(default)
    return out


def _dispatch(var: str, T: list[str], F: list[str], U: list[str]) -> list[str]:
    """Run T, F or U as var is True, False or None."""
    cases = [(f"{var} is {v}", a) for v, a in (("True", T), ("False", F), ("None", U)) if a]
    if len(cases) == 3:
        return _cases(cases[:2], cases[2][1])
    return _cases(cases, [])


class _Compiler:
    def __init__(self):
        self.n = 0
        self.uses_member = False

    def tmp(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n}"

    def recv(self, node: _N, item: str | None) -> str:
        if node.scope == "item":
            assert item is not None
            return item
        if node.scope == "member":
            self.uses_member = True
            return "member"
        return "facts"

    # --- values: (statements, expression, names that must not be None) ---

    def val(self, node: _N, item) -> tuple[list[str], str, list[str]]:
        kind = node.kind
        if kind == "const":
            return [], repr(node.value), []
        if kind == "var":
            if node.type == "bool":
                s, e = self.tri(node, item)
                t = self.tmp("v")
                return [*s, f"{t} = {e}"], t, [t]
            t = self.tmp("v")
            return [f"{t} = {self.recv(node, item)}.get({node.key!r})"], t, [t]
        if kind == "arith":
            stmts, exprs, checks = [], [], []
            for a in node.args:
                s, e, c = self.val(a, item)
                stmts += s
                exprs.append(e)
                checks += c
            op = node.op
            if op == "-" and len(exprs) == 1:
                expr = f"(-{exprs[0]})"
            elif op == "/":
                expr = f"_div({exprs[0]}, {exprs[1]})"
            elif op in ("min", "max"):
                expr = f"_{op}({', '.join(exprs)})"
            elif len(exprs) == 1:
                expr = f"(+{exprs[0]})"
            else:
                expr = "(" + f" {op} ".join(exprs) + ")"
            return stmts, expr, checks
        if kind == "if" and node.type != "bool":
            s, r = self.tri_if(node, item, value=True)
            return s, r, [r]
        # boolean-valued node used as a value
        s, e = self.tri(node, item)
        if e in ("True", "False"):
            return s, e, []
        t = self.tmp("v")
        return [*s, f"{t} = {e}"], t, [t]

    def val_tri(self, node: _N, item) -> tuple[list[str], str]:
        """A value or None when unknown."""
        s, e, checks = self.val(node, item)
        if not checks:
            return s, e
        if e in checks and len(checks) == 1:
            return s, e
        unknown = " or ".join(f"{c} is None" for c in dict.fromkeys(checks))
        return s, f"(None if {unknown} else {e})"

    # --- leaves: (statements, names that must not be None, test expression, eq_safe) ---

    def leaf(self, node: _N, item):
        kind = node.kind
        if kind == "cmp":
            stmts, exprs, checks = [], [], []
            for a in node.args:
                s, e, c = self.val(a, item)
                stmts += s
                exprs.append(e)
                checks += c
            op = _PY_CMP[node.op]
            expr = f" {op} ".join(exprs)
            # `v == const` is false when v is None, so it may be tested before the unknown check
            safe = (node.op == "==" and len(checks) == 1 and checks[0] in exprs
                    and any(a.kind == "const" for a in node.args))  # fmt: skip
            return stmts, checks, expr, safe
        if kind == "in_list":
            s, e, c = self.val(node.args[0], item)
            values = node.value
            expr = f"{e} in {{{', '.join(repr(v) for v in values)}}}" if values else "False"
            return s, c, expr, c == [e]
        if kind == "in_str":
            s1, e1, c1 = self.val(node.args[0], item)
            s2, e2, c2 = self.val(node.args[1], item)
            return s1 + s2, c1 + c2, f"{e1} in {e2}", False
        if kind == "truthy":
            (a,) = node.args
            s, e, c = self.val(a, item)
            if a.type == "bool":
                return s, c, e, False
            if a.type == "number":  # JavaScript: 0 and NaN are falsy
                t = self.tmp("w")
                return s, c, f"(({t} := {e}) != 0 and {t} == {t})", False
            return s, c, f"{e} != ''", False
        raise AssertionError(kind)

    # --- tri-state booleans: (statements, expression giving True / False / None) ---

    def tri(self, node: _N, item) -> tuple[list[str], str]:
        kind = node.kind
        if kind == "const":
            return [], repr(node.value)
        if kind == "var":
            t = self.tmp("v")
            get = f"{self.recv(node, item)}.get({node.key!r})"
            return [f"{t} = {get}"], f"(None if {t} is None else ({t} is True or ({t} is not False and bool({t}))))"
        if kind in ("cmp", "in_list", "in_str", "truthy"):
            s, checks, expr, _ = self.leaf(node, item)
            if not checks:
                return s, f"({expr})"
            unknown = " or ".join(f"{c} is None" for c in dict.fromkeys(checks))
            return s, f"(None if {unknown} else ({expr}))"
        if kind == "not":
            s, e = self.tri(node.args[0], item)
            t = self.tmp("v")
            return [*s, f"{t} = {e}"], f"(None if {t} is None else not {t})"
        if kind in ("and", "or"):
            k = self.tmp("k")
            stop = "False" if kind == "and" else "True"
            init = "True" if kind == "and" else "False"
            out = [f"{k} = {init}"]
            for i, a in enumerate(node.args):
                if kind == "and":
                    code = self.jump(a, item, [], [f"{k} = False"], [f"{k} = None"])
                else:
                    code = self.jump(a, item, [f"{k} = True"], [], [f"{k} = None"])
                if i == 0:
                    out += code
                elif code:
                    out += [f"if {k} is not {stop}:", *_indent(code)]
            return out, k
        if kind == "if":
            return self.tri_if(node, item, value=False)
        if kind == "quant":
            return self.quant(node, item=None, T=None, F=None, U=None)
        raise AssertionError(kind)

    def tri_if(self, node: _N, item, *, value: bool) -> tuple[list[str], str]:
        cond, then, other = node.args
        sc, ec = self.tri(cond, item)
        c, x, y, r = self.tmp("c"), self.tmp("x"), self.tmp("y"), self.tmp("r")
        sx, ex = self.val_tri(then, item) if value else self.tri(then, item)
        sy, ey = self.val_tri(other, item) if value else self.tri(other, item)
        out = [*sc, f"{c} = {ec}", f"{x} = {y} = None"]
        out += [f"if {c} is not False:", *_indent([*sx, f"{x} = {ex}"])]
        out += [f"if {c} is not True:", *_indent([*sy, f"{y} = {ey}"])]
        out += [f"{r} = {x} if {c} is True else {y} if {c} is False else "
                f"{x} if {x} is not None and {x} == {y} else None"]  # fmt: skip
        return out, r

    # --- control flow: run the action of the outcome (T, F, U: lists of statements) ---

    def jump(self, node: _N, item, T: list[str], F: list[str], U: list[str]) -> list[str]:
        kind = node.kind
        if kind == "const":
            return list(T if node.value else F)
        if kind == "var":
            t = self.tmp("v")
            return [f"{t} = {self.recv(node, item)}.get({node.key!r})",
                    *_cases([(f"{t} is None", U), (t, T)], F)]  # fmt: skip
        if kind in ("cmp", "in_list", "in_str", "truthy"):
            if kind == "truthy" and node.args[0].type == "bool":
                return self.jump(node.args[0], item, T, F, U)
            s, checks, expr, safe = self.leaf(node, item)
            if not checks:
                return [*s, *_cases([(expr, T)], F)]
            unknown = " or ".join(f"{c} is None" for c in dict.fromkeys(checks))
            if safe and T:
                return [*s, *_cases([(expr, T), (unknown, U)], F)]
            if not T:
                return [*s, *_cases([(unknown, U), (f"not ({expr})", F)], [])]
            return [*s, *_cases([(unknown, U), (expr, T)], F)]
        if kind == "not":
            return self.jump(node.args[0], item, F, T, U)
        if kind == "and" and _terminal(F):
            u = self.tmp("u")
            out = [f"{u} = False"]
            for a in node.args:
                out += self.jump(a, item, [], F, [f"{u} = True"])
            return out + _cases([(u, U)], T)
        if kind == "or" and _terminal(T):
            u = self.tmp("u")
            out = [f"{u} = False"]
            for a in node.args:
                out += self.jump(a, item, T, [], [f"{u} = True"])
            return out + _cases([(u, U)], F)
        if kind == "quant":
            s, _ = self.quant(node, item, T, F, U)
            return s
        s, e = self.tri(node, item)
        if re.fullmatch(r"[a-z]+\d+", e):
            t = e
        else:
            t = self.tmp("t")
            s = [*s, f"{t} = {e}"]
        return s + _dispatch(t, T, F, U)

    def quant(self, node: _N, item, T, F, U) -> tuple[list[str], str]:
        """some / all / none over members; with T/F/U, dispatch on the result, else give it."""
        op = node.op
        (inner,) = node.args
        s, ms, m = self.tmp("s"), self.tmp("ms"), self.tmp("m")
        ret = lambda a: a is not None and len(a) == 1 and a[0].startswith("return")  # noqa: E731
        init = "False" if op == "some" else "True"
        # the outcome that ends the loop early: some → a member true; none → a member true; all → a member false
        if op == "some":
            early = T if ret(T) else [f"{s} = True", "break"]
        elif op == "none":
            early = F if ret(F) else [f"{s} = False", "break"]
        else:
            early = F if ret(F) else [f"{s} = False", "break"]
        unknown = [f"{s} = None"]
        if op in ("some", "none"):
            body = self.jump(inner, m, early, ["continue"], unknown)
        else:
            body = self.jump(inner, m, ["continue"], early, unknown)
        out = [f"{ms} = facts.get('members')", f"if {ms} is None:", f"    {s} = None"]
        if op == "all":
            out += [f"elif not {ms}:", f"    {s} = False"]
        out += ["else:", f"    {s} = {init}", f"    for {m} in {ms}:", *_indent(_indent(body))]
        if T is None:
            return out, s
        return out + _dispatch(s, T, F, U), s


def compile_rule(
    rule, schema: FactSchema, *, name: str, per_member: bool
) -> Callable[[Mapping, Mapping | None], bool | None]:
    """Validate, then compile into fn(facts, member) -> True / False / None (unknown)."""
    root = _Validator(schema, name, per_member).rule(rule)
    source = _source(root)
    namespace = dict(_HELPERS)
    code = compile(source, f"<rule {name}>", "exec")
    exec(code, namespace)
    fn = namespace["_rule"]
    fn.__qualname__ = fn.__name__ = "rule"
    fn.source = source  # for debugging and the rule studio
    return fn


def _source(root: _N) -> str:
    c = _Compiler()
    body = c.jump(root, None, ["return True"], ["return False"], ["return None"])
    body.append("return None")  # not reached
    head = ["if member is None:", "    member = _EMPTY"] if c.uses_member else []
    return "\n".join(["def _rule(facts, member):", *_indent(head + body)]) + "\n"


# --------------------------------------------------------------------------------------------
# Reading rules without a schema: facts read, interpreted evaluation, reasons
# --------------------------------------------------------------------------------------------


_LITERALS = frozenset([str, int, float, bool, list, type(None)])


def _op_args(node) -> tuple[str, list] | None:
    # Rules are plain dicts and literals: tell them apart by type before asking the slower
    # isinstance(..., Mapping), which the interpreter would otherwise ask of every node.
    kind = type(node)
    if kind is not dict and (kind in _LITERALS or not isinstance(node, Mapping)):
        return None
    if len(node) == 1:
        op, raw = next(iter(node.items()))
        return op, (list(raw) if isinstance(raw, list) else [raw])
    return None


def facts_read(rule) -> frozenset[str]:
    """Which facts a rule reads: "key" (case), "member.key" (this member), "members.key" (anyone)."""
    out: set[str] = set()
    stack = [(rule, False)]
    while stack:
        node, in_members = stack.pop()
        parsed = _op_args(node)
        if parsed is None:
            if isinstance(node, list):
                stack.extend((x, in_members) for x in node)
            continue
        op, args = parsed
        if op == "var":
            key = args[0] if args else None
            if isinstance(key, list):
                key = key[0] if key else None
            if isinstance(key, str) and key and key != "members":
                out.add(f"members.{key}" if in_members else key)
            continue
        if op in _QUANTIFIERS and len(args) == 2:
            stack.append((args[1], True))
            continue
        stack.extend((a, in_members) for a in args)
    return frozenset(out)


def _var_key(args):
    key = args[0] if args else None
    if isinstance(key, list):
        key = key[0] if key else None
    return key


def _read(key, facts, member, item):
    if item is not None:
        return item.get(key)
    if key.startswith("member."):
        return None if member is None else member.get(key[7:])
    return facts.get(key)


def _truthy(v) -> bool:
    if isinstance(v, float):
        return v == v and v != 0
    return bool(v)


def evaluate(rule, facts: Mapping, member: Mapping | None = None, *, _item=None):
    """Interpret a (validated) rule: True / False / None (unknown). Slower than compile_rule."""
    return _ev(rule, facts, member, _item)


def _ev(node, facts, member, item):
    parsed = _op_args(node)
    if parsed is None:
        return node
    op, args = parsed
    if op == "var":
        return _read(_var_key(args), facts, member, item)
    if op in ("and", "or"):
        stop = op == "or"
        unknown = False
        for a in args:
            v = _bool(_ev(a, facts, member, item))
            if v is stop:
                return stop
            if v is None:
                unknown = True
        return None if unknown else not stop
    if op == "!":
        v = _bool(_ev(args[0], facts, member, item))
        return None if v is None else not v
    if op == "!!":
        return _bool(_ev(args[0], facts, member, item))
    if op == "if":
        return _ev_if(args, facts, member, item)
    if op in _QUANTIFIERS:
        members = facts.get("members")
        if members is None:
            return None
        if op == "all" and not members:
            return False
        look = op != "all"  # some/none stop at a true member, all at a false one
        unknown = False
        for m in members:
            v = _bool(_ev(args[1], facts, member, m))
            if v is look:
                return look if op != "none" else False
            if v is None:
                unknown = True
        if unknown:
            return None
        return {"some": False, "all": True, "none": True}[op]
    if op == "in":
        needle = _ev(args[0], facts, member, item)
        if isinstance(args[1], list):
            return None if needle is None else needle in args[1]
        hay = _ev(args[1], facts, member, item)
        return None if needle is None or hay is None else needle in hay
    vals = [_ev(a, facts, member, item) for a in args]
    if any(v is None for v in vals):
        return None
    if op in _EQUALITY:
        return (vals[0] == vals[1]) == (_EQUALITY[op] == "==")
    if op in _ORDER:
        py = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}[
            op
        ]
        return all(py(vals[i], vals[i + 1]) for i in range(len(vals) - 1))
    if op == "+":
        return sum(vals[1:], vals[0])
    if op == "-":
        return -vals[0] if len(vals) == 1 else vals[0] - vals[1]
    if op == "*":
        out = vals[0]
        for v in vals[1:]:
            out = out * v
        return out
    if op == "/":
        return _js_div(vals[0], vals[1])
    if op == "min":
        return _js_min(*vals)
    if op == "max":
        return _js_max(*vals)
    raise ValueError(f"unsupported operator {op!r}")


def _bool(v):
    return None if v is None else _truthy(v)


def _ev_if(args, facts, member, item):
    if len(args) == 1:
        return _ev(args[0], facts, member, item)
    c = _bool(_ev(args[0], facts, member, item))
    if c is True:
        return _ev(args[1], facts, member, item)
    if c is False:
        return _ev_if(args[2:], facts, member, item)
    x = _ev(args[1], facts, member, item)
    y = _ev_if(args[2:], facts, member, item)
    return x if x is not None and x == y else None


_LEAF_OPS = frozenset(["==", "!=", "===", "!==", "<", "<=", ">", ">=", "in"])
_MEMBERS = {"var": "members"}


def _all_of(conds: list):
    if not conds:
        return True
    return conds[0] if len(conds) == 1 else {"and": conds}


def true_conditions(rule, facts: Mapping, member: Mapping | None, *, known_true: bool = False) -> list:
    """The leaf conditions that held and made the rule true (for "why"); [] when it is not true.

    A condition over the household comes back as {"some": [{"var": "members"}, <what held for a
    member>]} (or all / none); a condition that held by being false comes back negated ({"!": …}).
    known_true: the caller has just evaluated the rule (compiled) to True for these facts, so it
    is not interpreted once more to check.
    """
    if not known_true and evaluate(rule, facts, member) is not True:
        return []
    return _reasons(rule, True, facts, member, None)


def conditions_when_true(rule) -> list | None:
    """What true_conditions gives for `rule` whenever the rule is true, if that does not depend on
    the facts: a rule that is one condition, or conditions that must all hold ("and", nested, or a
    negated "or"); None for any other rule (or, if, a quantifier: which part held depends on the case).

    Worked out once per rule (compiled catalogues keep it), so explaining such a rule reads no fact.
    """
    return _when_true(rule, True)


def _when_true(node, want: bool) -> list | None:
    """_reasons without the facts, where every branch it would take is decided by the rule alone."""
    parsed = _op_args(node)
    if parsed is None:
        return []  # a literal
    op, args = parsed
    if op == "!":
        return _when_true(args[0], not want)
    if op in ("and", "or"):
        if want != (op == "and"):  # and → false / or → true: the operand that decided depends on the facts
            return None
        out: list = []
        for a in args:
            held = _when_true(a, want)
            if held is None:
                return None
            out += held
        return out
    if op in ("!!", "if") or op in _QUANTIFIERS:
        return None
    return [node] if want else [{"!": node}]


def _reasons(node, want: bool, facts, member, item) -> list:
    parsed = _op_args(node)
    if parsed is None:
        return []  # a literal
    op, args = parsed
    if op == "!":
        return _reasons(args[0], not want, facts, member, item)
    if op == "!!":
        inner = _op_args(args[0])
        if inner is not None and inner[0] in ("and", "or", "!", "!!", "if", *_QUANTIFIERS):
            return _reasons(args[0], want, facts, member, item)
    if op in ("and", "or"):
        decisive = want if op == "and" else not want
        if decisive:  # and → true / or → false: every operand counts
            out = []
            for a in args:
                out += _reasons(a, want, facts, member, item)
            return out
        for a in args:  # the first operand that decided it
            if _bool(_ev(a, facts, member, item)) is want:
                return _reasons(a, want, facts, member, item)
        return []
    if op == "if":
        rest = list(args)
        out = []
        while len(rest) >= 3:
            c = _bool(_ev(rest[0], facts, member, item))
            if c is None:  # both candidates gave the same answer: explain the first
                return _reasons(rest[1], want, facts, member, item)
            out += _reasons(rest[0], c, facts, member, item)
            if c:
                return out + _reasons(rest[1], want, facts, member, item)
            rest = rest[2:]
        return out + _reasons(rest[0], want, facts, member, item)
    if op in _QUANTIFIERS and item is None:
        members = facts.get("members") or []
        inner = args[1]
        # some true / none false / all false: one member decides it
        if (op == "some" and want) or (op == "none" and not want) or (op == "all" and not want and members):
            member_want = op != "all"
            for m in members:
                if _bool(_ev(inner, facts, member, m)) is member_want:
                    held = _reasons(inner, member_want, facts, member, m)
                    return [{"some": [dict(_MEMBERS), _all_of(held)]}]
            return []
        if op == "some":
            return [{"none": [dict(_MEMBERS), inner]}]
        if op == "none":
            return [{"none": [dict(_MEMBERS), inner]}]
        if op == "all" and want:
            return [{"all": [dict(_MEMBERS), inner]}]
        return [{"!": {"all": [dict(_MEMBERS), inner]}}]
    # a leaf: a comparison, a yes/no fact, !! of a value
    if op in _LEAF_OPS or op in ("var", "!!") or op in _ARITH:
        return [node] if want else [{"!": node}]
    return [node] if want else [{"!": node}]
