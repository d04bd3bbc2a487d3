"""Spend exports (bytes) to spend rows: no database, no CLI.

:class:`SpendReader` reads any supported export; :mod:`.formats` describes
each network's export as a declarative profile.
"""

from budgetctl.importers.formats import PROFILES, Profile
from budgetctl.importers.reader import FORMATS, MAX_PROBLEMS, SpendReader, SpendRow

__all__ = ["FORMATS", "MAX_PROBLEMS", "PROFILES", "Profile", "SpendReader", "SpendRow"]
