"""The rules engine: plain Python, no Django."""

from .diff import ChecklistDiff as ChecklistDiff
from .diff import checklist_diff as checklist_diff
from .render import QuestionText as QuestionText
from .render import render_condition as render_condition
from .render import render_rule as render_rule
from .rules import UNKNOWN as UNKNOWN
from .rules import Fact as Fact
from .rules import FactSchema as FactSchema
from .rules import RuleError as RuleError
from .rules import compile_rule as compile_rule
from .rules import evaluate as evaluate
from .rules import facts_read as facts_read
from .rules import true_conditions as true_conditions
from .rules import validate_rule as validate_rule
