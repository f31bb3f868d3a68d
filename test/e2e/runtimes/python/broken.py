"""A module whose dependency is not in the package: importing it fails."""

import not_a_packaged_dependency  # noqa: F401


def handler(event, context):
    return event
