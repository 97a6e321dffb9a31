"""The "How it works" texts of the pages: formulas with their plain-words explanation."""
