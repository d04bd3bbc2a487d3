"""``python -m budgetctl``."""

from budgetctl.cli import main

if __name__ == "__main__":
    main()
