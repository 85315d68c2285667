"""YAML as clerks write it: plain keys, lists and values, without anchors and aliases.

An alias (``*name``) repeats a node by reference, so a few kilobytes of nested aliases (a
"billion laughs") expand into more items than memory holds once anything walks them; a cycle
or holiday file has no use for them, so the loader refuses the first one with its place."""

from __future__ import annotations

import yaml


class WithoutAliases(yaml.SafeLoader):
    """A safe loader that stops at the first alias, before anything is built from it."""

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
