"""The type stubs (.pyi) against the runtime: the names, parameter kinds and defaults of every
function and method, `__all__`, and the classes' constructors, as mypy's stubtest checks them
(stubtest itself runs too when mypy is installed); and the TypedDicts the stubs return
(`emovox.Prediction`, `Quality`, `TimelineSegment`) against the dicts the functions return."""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import subprocess
import sys
import typing
from pathlib import Path

import numpy as np
import pytest

import emovox
from conftest import SPEECH_FIXTURES

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


def merged_overloads(where: str, signatures: list) -> tuple:
    """One parameter list for the @overload variants of a function, as stubtest merges them:
    every variant must have the same names and kinds; a parameter's default is the one the
    variants that give one agree on (``predict_batch``'s ``errors="raise"``), else none."""
    shapes = {tuple((name, kind) for name, kind, _ in rows) for rows in signatures}
    if len(shapes) != 1:
        return [], [f"{where}: the overloads' parameters differ: {sorted(shapes)}"]
    merged, problems = [], []
    for rows in zip(*signatures):
        defaults = [default for _, _, default in rows if default is not EMPTY]
        if any(default != defaults[0] for default in defaults):
            problems.append(f"{where}: the overloads give {rows[0][0]} different defaults {defaults}")
        merged.append((rows[0][0], rows[0][1], defaults[0] if defaults else EMPTY))
    return merged, problems


def check_function(where: str, stub, runtime, method: bool) -> list:
    """``stub``: a function's definition, or the list of its ``@overload`` variants."""
    variants = stub if isinstance(stub, list) else [stub]
    kinds = decorators(variants[0]) - {"overload"}
    if "property" in kinds:
        return [] if isinstance(runtime, property) or inspect.isgetsetdescriptor(runtime) else [f"{where} is no property"]
    # Instance methods: both lose `self`; class and static methods are looked up bound.
    instance = method and not ({"classmethod", "staticmethod"} & kinds)
    drop_first = instance or (method and "classmethod" in kinds)
    ours, problems = merged_overloads(where, [stub_parameters(variant, drop_first) for variant in variants])
    if problems:
        return problems
    theirs = runtime_parameters(runtime, drop_first=instance)
    if theirs and theirs[-1][1] is inspect.Parameter.VAR_KEYWORD:
        # As stubtest: where the runtime takes **kwargs, the stub may name the keywords it
        # accepts (melspectrogram's n_mels, ...) or leave **kwargs out (delta refuses all).
        named = {name for name, _, _ in theirs}
        ours = [row for row in ours if row[1] is not inspect.Parameter.VAR_KEYWORD]
        ours = [row for row in ours if row[1] is not inspect.Parameter.KEYWORD_ONLY or row[0] in named]
        theirs = theirs[:-1]
    return [] if ours == theirs else [f"{where}: stub {ours} != runtime {theirs}"]


def definitions(body: list) -> dict:
    """The functions of a module or class body by name: a definition, or the list of the
    ``@overload`` variants of an overloaded one."""
    found: dict = {}
    for node in body:
        if isinstance(node, ast.FunctionDef):
            if "overload" in decorators(node):
                found.setdefault(node.name, []).append(node)
            else:
                assert node.name not in found, f"{node.name} is defined twice in the stub"
                found[node.name] = node
    return found


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
    for name, function in definitions(tree.body).items():
        problems += check_function(f"{module_name}.{name}", function, getattr(module, name), method=False)
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            cls = getattr(module, node.name)
            methods = definitions(node.body)
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


# ---- The TypedDicts ------------------------------------------------------------------------------

#: Each TypedDict and the stub functions (or `Class.method`s) of `emovox` whose return annotation
#: names it.
TYPED_DICTS = {
    "Prediction": {"Classifier.predict": "Prediction", "Classifier.predict_batch": "List[Prediction]"},
    "Quality": {"assess": "Quality"},
    "TimelineSegment": {"Classifier.timeline": "List[TimelineSegment]"},
}


def conforms(value, annotation) -> bool:
    """Whether ``value`` is of the type ``annotation`` (the few the TypedDicts use: str, float,
    bool, None, Optional, Dict and List), checking the items of dicts and lists; a bool is no
    float, an int no float."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Union:
        return any(conforms(value, arg) for arg in args)
    if annotation is type(None):
        return value is None
    if origin is dict:
        return isinstance(value, dict) and all(conforms(k, args[0]) and conforms(v, args[1]) for k, v in value.items())
    if origin is list:
        return isinstance(value, list) and all(conforms(item, args[0]) for item in value)
    if annotation in (str, float, bool):
        return type(value) is annotation
    raise AssertionError(f"conforms: no check for {annotation!r}")


def assert_is(name: str, value) -> None:
    """``value`` is a dict of exactly the keys of the TypedDict ``emovox.<name>``, each value of
    its annotated type."""
    hints = typing.get_type_hints(getattr(emovox, name))
    assert isinstance(value, dict)
    assert set(value) == set(hints), f"{name}: returned keys {sorted(value)} != TypedDict keys {sorted(hints)}"
    for key, annotation in hints.items():
        assert conforms(value[key], annotation), f"{name}[{key!r}] = {value[key]!r} is no {annotation}"


@pytest.fixture(scope="module")
def speech():
    """Speech at its own rate (44.1 kHz), and a recording of it twice with pauses."""
    y, sr = emovox.load(SPEECH_FIXTURES[0], sr=None)
    pause = np.zeros(int(sr // 2), np.float32)
    return y, sr, np.concatenate([y, pause, y, pause])


@pytest.mark.parametrize("name", sorted(TYPED_DICTS))
def test_the_typed_dicts_are_total_typed_dicts_exported_and_named_by_the_stubs(name):
    cls = getattr(emovox, name)
    assert name in emovox.__all__
    # A TypedDict (typing.is_typeddict is Python 3.10+): a dict whose keys are all required.
    assert issubclass(cls, dict) and cls.__total__ and cls.__required_keys__ == frozenset(cls.__annotations__)
    assert cls.__annotations__, f"{name} names no keys"
    tree = stub_tree("emovox")
    returns = {node.name: node.returns for node in tree.body if isinstance(node, ast.FunctionDef)}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                # An overloaded method: its first variant's (predict_batch's errors="raise").
                if isinstance(item, ast.FunctionDef):
                    returns.setdefault(f"{node.name}.{item.name}", item.returns)
    for function, annotation in TYPED_DICTS[name].items():
        assert ast.unparse(returns[function]) == annotation, function


def test_predictions_have_the_keys_and_types_of_prediction(speech):
    y, sr, _ = speech
    classifier = emovox.Classifier.bundled()
    prediction = classifier.predict(y, sr)
    assert_is("Prediction", prediction)
    for item in classifier.predict_batch([y, y[: sr // 2]], sr):
        assert_is("Prediction", item)
    # predict_files: a Prediction's keys, and path and channel.
    (row,) = classifier.predict_files([SPEECH_FIXTURES[0]])
    assert_is("Prediction", {k: v for k, v in row.items() if k not in ("path", "channel")})
    assert set(row) == set(emovox.Prediction.__annotations__) | {"path", "channel"}


def test_timeline_windows_have_the_keys_and_types_of_timeline_window(speech):
    _, sr, recording = speech
    classifier = emovox.Classifier.bundled()
    for adapt in (False, True):
        segments = classifier.timeline(recording, sr, adapt=adapt)
        assert segments, "speech was found"
        for segment in segments:
            assert_is("TimelineSegment", segment)


def test_qualities_have_the_keys_and_types_of_quality(speech):
    y, sr, _ = speech
    quality = emovox.assess(y, sr)
    assert_is("Quality", quality)
    assert quality["snr_db"] is not None and quality["bandwidth_hz"] is not None
    # Digital silence: no speech, so no SNR nor band (the Optional values), and a concern.
    silence = emovox.assess(np.zeros(sr, np.float32), sr)
    assert_is("Quality", silence)
    assert silence["snr_db"] is None and silence["bandwidth_hz"] is None and silence["concerns"]
