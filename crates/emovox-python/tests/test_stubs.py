"""The type stubs (.pyi) against the runtime: the names, parameter kinds and defaults of every
function and method, `__all__`, and the classes' constructors, as mypy's stubtest checks them
(stubtest itself runs too when mypy is installed)."""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import emovox

PACKAGE = Path(emovox.__file__).resolve().parent
STUBS = {"emovox": "__init__.pyi", "emovox.feature": "feature.pyi", "emovox._emovox": "_emovox.pyi"}
EMPTY = inspect.Parameter.empty


def stub_tree(module: str) -> ast.Module:
    return ast.parse((PACKAGE / STUBS[module]).read_text())


def stub_parameters(function: ast.FunctionDef, drop_first: bool) -> list:
    """(name, kind, default) of a stub function's parameters; defaults evaluated (``np.float32``
    and literals)."""
    arguments = function.args
    positional = arguments.posonlyargs + arguments.args
    defaults = [EMPTY] * (len(positional) - len(arguments.defaults)) + list(arguments.defaults)
    kinds = [inspect.Parameter.POSITIONAL_ONLY] * len(arguments.posonlyargs)
    kinds += [inspect.Parameter.POSITIONAL_OR_KEYWORD] * len(arguments.args)
    rows = list(zip([a.arg for a in positional], kinds, defaults))
    if arguments.vararg:
        rows.append((arguments.vararg.arg, inspect.Parameter.VAR_POSITIONAL, EMPTY))
    for argument, default in zip(arguments.kwonlyargs, arguments.kw_defaults):
        rows.append((argument.arg, inspect.Parameter.KEYWORD_ONLY, EMPTY if default is None else default))
    if arguments.kwarg:
        rows.append((arguments.kwarg.arg, inspect.Parameter.VAR_KEYWORD, EMPTY))
    if drop_first:
        rows = rows[1:]
    evaluate = lambda node: node if node is EMPTY else eval(ast.unparse(node), {"np": np})  # noqa: E731
    return [(name, kind, evaluate(default)) for name, kind, default in rows]


def runtime_parameters(function, drop_first: bool) -> list:
    parameters = list(inspect.signature(function).parameters.values())
    if drop_first:
        parameters = parameters[1:]
    return [(parameter.name, parameter.kind, parameter.default) for parameter in parameters]


def decorators(function: ast.FunctionDef) -> set:
    return {ast.unparse(decorator) for decorator in function.decorator_list}


def check_function(where: str, stub: ast.FunctionDef, runtime, method: bool) -> list:
    kinds = decorators(stub)
    if "property" in kinds:
        return [] if isinstance(runtime, property) or inspect.isgetsetdescriptor(runtime) else [f"{where} is no property"]
    # Instance methods: both lose `self`; class and static methods are looked up bound.
    instance = method and not ({"classmethod", "staticmethod"} & kinds)
    ours = stub_parameters(stub, drop_first=instance or (method and "classmethod" in kinds))
    theirs = runtime_parameters(runtime, drop_first=instance)
    if theirs and theirs[-1][1] is inspect.Parameter.VAR_KEYWORD:
        # As stubtest: where the runtime takes **kwargs, the stub may name the keywords it
        # accepts (melspectrogram's n_mels, ...) or leave **kwargs out (delta refuses all).
        named = {name for name, _, _ in theirs}
        ours = [row for row in ours if row[1] is not inspect.Parameter.VAR_KEYWORD]
        ours = [row for row in ours if row[1] is not inspect.Parameter.KEYWORD_ONLY or row[0] in named]
        theirs = theirs[:-1]
    return [] if ours == theirs else [f"{where}: stub {ours} != runtime {theirs}"]


def mismatches(module_name: str) -> list:
    module = importlib.import_module(module_name)
    tree = stub_tree(module_name)
    problems = []
    stub_all = None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            stub_all = ast.literal_eval(node.value)
    if getattr(module, "__all__", None) != stub_all:
        problems.append(f"{module_name}.__all__: stub {stub_all} != runtime {getattr(module, '__all__', None)}")
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            problems += check_function(f"{module_name}.{node.name}", node, getattr(module, node.name), method=False)
        elif isinstance(node, ast.ClassDef):
            cls = getattr(module, node.name)
            methods = {item.name: item for item in node.body if isinstance(item, ast.FunctionDef)}
            for name, item in methods.items():
                problems += check_function(f"{module_name}.{node.name}.{name}", item, getattr(cls, name), method=True)
            public = {name for name in vars(cls) if not name.startswith("_")}
            if "__init__" in vars(cls):
                public.add("__init__")
            if public - set(methods):
                problems.append(f"{module_name}.{node.name}: not in the stub: {sorted(public - set(methods))}")
            try:
                type("Sub", (cls,), {})
                subclassable = True
            except TypeError:
                subclassable = False
            if not subclassable and "final" not in {ast.unparse(d) for d in node.decorator_list}:
                problems.append(f"{module_name}.{node.name} cannot be subclassed but is not @final in the stub")
    return problems


@pytest.mark.parametrize("module", sorted(STUBS))
def test_the_stubs_match_the_runtime(module):
    assert mismatches(module) == []


def test_mypy_stubtest_passes_when_mypy_is_installed(tmp_path):
    pytest.importorskip("mypy.stubtest")
    env = dict(os.environ, PYTHONPATH=str(PACKAGE.parent), MYPY_CACHE_DIR=str(tmp_path / "cache"))
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "emovox"], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_mel_keywords_the_stub_names_have_librosas_defaults():
    """The stub names melspectrogram's mel keywords (the runtime takes them as **kwargs, as
    librosa does): each with librosa.filters.mel's default."""
    librosa = pytest.importorskip("librosa")
    stub = next(n for n in stub_tree("emovox.feature").body if getattr(n, "name", None) == "melspectrogram")
    runtime = set(inspect.signature(emovox.feature.melspectrogram).parameters)
    theirs = inspect.signature(librosa.filters.mel).parameters
    extra = [row for row in stub_parameters(stub, drop_first=False) if row[0] not in runtime]
    assert [name for name, _, _ in extra] == ["n_mels", "fmin", "fmax", "htk", "norm", "dtype"]
    for name, _, default in extra:
        assert default == theirs[name].default, name
