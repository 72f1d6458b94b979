"""The Jinja2 sandbox templates render in: no attribute tricks, no mutating lists or dicts, and
every call, operator, loop iteration and piece of output charged to the running render's budget
(`render_limits`). `rendering` compiles and renders with the environments built here."""

from __future__ import annotations

from typing import Any, cast

from jinja2 import ChainableUndefined, StrictUndefined, Template, Undefined, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from campaign_dashboard.services.campaigns import render_limits


def _default(value: Any, default_value: Any = "", boolean: bool = False) -> Any:
    """Like Jinja's `default`, but an empty string or None also counts as missing."""
    if isinstance(value, Undefined) or value is None or value == "" or (boolean and not value):
        return default_value
    return value


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The sandbox (no attribute tricks, no mutating lists or dicts) with every call, operator,
    loop iteration and output charged to the running render's Budget (see render_limits)."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def call_binop(self, context, operator, left, right):  # noqa: ANN001, ANN201
        return render_limits.binop(operator, left, right, render_limits.current())

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: ANN001, ANN201, N805
        budget = render_limits.current()
        render_limits.check_call(__obj, args, kwargs, budget)
        return budget.produced(super().call(__context, __obj, *args, **kwargs))


def _produced(value: Any) -> Any:
    return render_limits.current().produced(value)


class _Guard(NodeTransformer):
    """Rewrite a parsed template so that loops and produced text are charged to the budget:
    `{% for x in xs %}` iterates `xs | _loop_guard`, and every output piece (literal text too, as
    a loop in a macro or `{% set %}` block repeats it) and every `~` join goes through `_produced`."""

    # generic_visit gives back the node it was given (its children rewritten), typed as any Node.

    def visit_For(self, node: nodes.For) -> nodes.Node:  # noqa: N802 (jinja's visitor names)
        node = cast(nodes.For, self.generic_visit(node))
        node.iter = _filter(cast(nodes.Expr, node.iter), "_loop_guard")
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:  # noqa: N802
        return _filter(cast(nodes.Concat, self.generic_visit(node)), "_produced")

    def visit_Output(self, node: nodes.Output) -> nodes.Node:  # noqa: N802
        node = cast(nodes.Output, self.generic_visit(node))
        node.nodes = [
            _filter(nodes.MarkSafe(nodes.Const(child.data, lineno=child.lineno), lineno=child.lineno), "_produced")
            if isinstance(child, nodes.TemplateData)
            else _filter(child, "_produced")
            for child in node.nodes
        ]
        return node


def _filter(node: nodes.Expr, name: str) -> nodes.Filter:
    return nodes.Filter(node, name, [], [], None, None, lineno=node.lineno)


def make_env(*, autoescape: bool, undefined: type[Undefined] = StrictUndefined) -> BoundedSandbox:
    # optimized=False: the optimizer would evaluate constant expressions (`{{ 7**6000000 }}`)
    # while compiling, outside any render's budget.
    env = BoundedSandbox(autoescape=autoescape, undefined=undefined, keep_trailing_newline=True, optimized=False)
    env.filters["default"] = _default
    env.filters["d"] = _default
    env.filters = {name: render_limits.guarded_filter(name, func) for name, func in env.filters.items()}
    env.filters["_loop_guard"] = render_limits.guarded_iter
    env.filters["_produced"] = _produced
    env.globals["range"] = render_limits.capped_range
    return env


HTML_ENV = make_env(autoescape=True)
TEXT_ENV = make_env(autoescape=False)


class SampleUndefined(ChainableUndefined):
    """A name the sample contact does not have (an attribute only real contacts have): shown as
    `[country]` in the preview, so the marketer sees where it goes, and falls back with `default`."""

    __slots__ = ()

    def __str__(self) -> str:
        return f"[{self._undefined_name}]" if self._undefined_name else ""


# Saving and previews render against the sample contact, where a variable only real contacts
# have is fine (`rendering` still refuses a likely typo of a contact field).
SAMPLE_HTML_ENV = make_env(autoescape=True, undefined=SampleUndefined)
SAMPLE_TEXT_ENV = make_env(autoescape=False, undefined=SampleUndefined)


def compile_source(env: BoundedSandbox, source: str) -> Template:
    """Parse, add the budget guards, compile. TemplateSyntaxError (and its subclass for an
    unknown filter or test) when the source is not a valid template."""
    return env.from_string(_Guard().visit(env.parse(source)))
