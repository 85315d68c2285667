"""The command line's sub-commands, one module per group; ``zhicheng.cli`` puts them together."""
