"""YAML as clerks write it: plain keys, lists and values, without anchors and aliases, and
each key once.

An alias (``*name``) repeats a node by reference, so a few kilobytes of nested aliases (a
"billion laughs") expand into more items than memory holds once anything walks them; a cycle
or holiday file has no use for them, so the loader refuses the first one with its place. A key
written twice would silently keep its second value (a clerk's second ``workdays:`` or
``title:``): refused too."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import yaml


class WithoutAliases(yaml.SafeLoader):
    """A safe loader that stops at the first alias, before anything is built from it, and at
    the second of two equal keys."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None,
                None,
                f"不支持 YAML 别名（*{event.anchor}）和锚点（&）：请把内容直接写出",
                event.start_mark,
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        mapping = super().construct_mapping(node, deep)
        if len(mapping) < len(node.value):  # without aliases there are no merge keys
            seen: set[Hashable] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"键 {key} 出现了两次 / duplicate key {key}",
                        key_node.start_mark,
                    )
                seen.add(key)
        return mapping
