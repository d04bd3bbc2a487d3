"""budgetctl: keep every brand's ad spend inside its daily and monthly budgets."""

__version__ = "0.1.0"
