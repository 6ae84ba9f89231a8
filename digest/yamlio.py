"""YAML in, with positions: every value's line and column, so errors can point at the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, problem

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _Loader = yaml.SafeLoader

class Marks:
    """Where each value of a document is written, by key path (("timeline", 0, "date")): its 1-based line
    and column, looked up in the YAML nodes when a message needs it (most documents never need one).
    A path ending in "<key>" gives where a mapping's key is written."""

    def __init__(self, node: yaml.Node | None = None, offset: int = 0):
        self.node, self.offset = node, offset

    def get(self, key: tuple) -> tuple[int, int] | None:
        node = self._find(key)
        return None if node is None else (node.start_mark.line + 1 + self.offset, node.start_mark.column + 1)

    def within(self, *key: Any) -> Marks:
        """The marks of the value at key, with paths relative to it."""
        return Marks(self._find(key), self.offset)

    def _find(self, key: tuple) -> yaml.Node | None:
        node = self.node
        for i, part in enumerate(key):
            if isinstance(node, yaml.MappingNode):
                # the last of duplicate keys, as the constructed mapping has it
                pair = next((pair for pair in reversed(node.value) if _name(pair[0]) == part), None)
                if pair is None:
                    return None
                if key[i + 1:] == ("<key>",):
                    return pair[0]
                node = pair[1]
            elif isinstance(node, yaml.SequenceNode) and type(part) is int and 0 <= part < len(node.value):
                node = node.value[part]
            else:
                return None
        return node


def _name(node: yaml.Node) -> Any:
    return node.value if isinstance(node, yaml.ScalarNode) else str(node.start_mark)


def load_yaml(text: str, path: Path | str, line_offset: int = 0) -> tuple[Any, Marks, list[Problem]]:
    """Parse one YAML document; return (data, marks, problems). line_offset is added to every line."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        unclosed = "end of stream" in (exc.problem or "")  # point at what was left open, not at the file's end
        mark = (exc.context_mark if unclosed else None) or exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1 + line_offset, mark.column + 1) if mark else (1 + line_offset, 1)
        what = " ".join(s for s in (exc.context, exc.problem) if s)
        if "nesting depth" in what:  # PyYAML 6.0.4 and later stop at a depth where older ones recursed
            return None, Marks(), [problem(path, line, col, "the YAML is nested too deeply to read",
                                      "Flatten the lists and mappings")]
        return None, Marks(), [problem(path, line, col, f"invalid YAML: {what}",
                                  "Check the indentation and quote values that contain ': ' or start with a special character")]
    except yaml.reader.ReaderError as exc:  # a control character
        before = text[: exc.position]
        line, col = before.count("\n") + 1 + line_offset, len(before) - before.rfind("\n")
        return None, Marks(), [problem(path, line, col, f"character {_codepoint(exc.character)} is not allowed in YAML",
                                  "Remove the control character")]
    except yaml.YAMLError as exc:
        return None, Marks(), [problem(path, 1 + line_offset, 1, f"invalid YAML: {exc}".replace("\n", " "))]
    except RecursionError:
        return None, Marks(), [problem(path, 1 + line_offset, 1, "the YAML is nested too deeply to read",
                                  "Flatten the lists and mappings")]
    except (ValueError, OverflowError) as exc:  # a well-formed value that is not valid, e.g. 2023-02-30
        line, col = _bad_timestamp(loader, node, line_offset)
        return None, Marks(), [problem(path, line, col, f"invalid value: {exc}",
                                  "Write dates as real calendar dates (YYYY-MM-DD), or quote the value")]
    finally:
        loader.dispose()
    if node is not None and not isinstance(node, yaml.ScalarNode):  # too deep to walk, or an alias (*name) inside the value it names?
        try:
            loop = _loop(node, set(), frozenset())
        except RecursionError:
            return None, Marks(), [problem(path, 1 + line_offset, 1, "the YAML is nested too deeply to read",
                                           "Flatten the lists and mappings")]
        if loop is not None:  # '&a [*a]': data that contains itself never ends when walked
            return None, Marks(), [problem(path, loop.start_mark.line + 1 + line_offset, loop.start_mark.column + 1,
                                           "a YAML alias (*name) refers to the value it is inside of",
                                           "Write the value out instead of the alias")]
    return data, Marks(node, line_offset), []


def _bad_timestamp(loader, node: yaml.Node, offset: int) -> tuple[int, int]:
    """Where the first scalar is that YAML reads as a date but the calendar does not have."""
    stack = [node]
    while stack:
        current = stack.pop(0)
        if isinstance(current, yaml.ScalarNode) and current.tag == "tag:yaml.org,2002:timestamp":
            try:
                yaml.SafeLoader.construct_yaml_timestamp(loader, current)
            except (ValueError, OverflowError):
                return current.start_mark.line + 1 + offset, current.start_mark.column + 1
        elif isinstance(current, yaml.MappingNode):
            stack.extend(v for pair in current.value for v in pair)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return 1 + offset, 1


def _loop(node: yaml.Node, seen: set[int], inside: frozenset[int]) -> yaml.Node | None:
    """A mapping or sequence that contains itself, if any; RecursionError when nested too deeply for
    the stages after this one. A node reached again through an alias is not walked twice (nested
    aliases would otherwise make the walk exponential)."""
    if id(node) in inside:
        return node
    if id(node) in seen:
        return None
    seen.add(id(node))
    inside = inside | {id(node)}
    children = [v for pair in node.value for v in pair] if isinstance(node, yaml.MappingNode) else node.value
    return next((loop for child in children
                 if not isinstance(child, yaml.ScalarNode) and (loop := _loop(child, seen, inside)) is not None), None)


def position(marks: Marks, *key: Any) -> tuple[int, int]:
    """The position of key, or of its nearest ancestor that has one."""
    key = tuple(key)
    while key and marks.get(key) is None:
        key = key[:-1]
    return marks.get(key) or (1, 1)


def key_position(marks: Marks, *key: Any) -> tuple[int, int]:
    """Where the key itself is written (for 'unknown key' errors)."""
    return marks.get(tuple(key) + ("<key>",)) or position(marks, *key)


def _codepoint(char: int | str) -> str:
    return f"U+{char if isinstance(char, int) else ord(char[:1] or ' '):04X}"
