"""The trading platform's building blocks: one Pulumi ComponentResource per concern.

Components never read configuration; ``__main__.py`` hands each one plain values and Outputs through its
``*Args`` dataclass.
"""
