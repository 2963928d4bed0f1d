"""The C++ backtrace a C++ error brings to Python: the module's frames, from the throw site
down to its exported entry, and nothing of the interpreter below it (the walk stops there)."""

import pytest


def backtrace_note(call) -> list:
    with pytest.raises(ValueError, match="traced") as info:
        call()
    notes = [n for n in info.value.__notes__ if n.startswith("C++ backtrace")]
    assert len(notes) == 1, info.value.__notes__
    return notes[0].splitlines()[1:]


def test_backtrace_runs_from_the_throw_site_to_the_exported_entry(kernels):
    lines = backtrace_note(lambda: kernels.raise_kind("ValueError", "traced"))
    assert "core_test_kernels/cpp_sources" in lines[0] and "raise_kind" in lines[0], lines
    assert "__tvm_ffi_raise_kind" in lines[-1], lines
    for line in lines:
        assert not any(word in line for word in ("libpython", " in Py", " in _Py")), lines


def test_backtrace_does_not_depend_on_the_interpreter_stack_below(kernels):
    def nested(depth):
        # Each level goes through a C function (map), adding interpreter C frames.
        if depth == 0:
            return backtrace_note(lambda: kernels.raise_kind("ValueError", "traced"))
        return list(map(nested, [depth - 1]))[0]

    assert nested(20) == nested(0)
